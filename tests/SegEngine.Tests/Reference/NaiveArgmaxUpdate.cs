namespace SegEngine.Tests.Reference;

/// <summary>Plain scalar twin of <c>SegKernels.ArgmaxUpdate</c>.</summary>
internal static class NaiveArgmaxUpdate
{
    public static void Apply(float[] x, float classIndex, float[] best, float[] runnerUp, float[] winner)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > best[i])
            {
                runnerUp[i] = best[i];
                best[i] = x[i];
                winner[i] = classIndex;
            }
            else if (x[i] > runnerUp[i])
            {
                runnerUp[i] = x[i];
            }
        }
    }
}
