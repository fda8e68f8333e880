using SegEngine.Io;

namespace SegEngine.Tests;

/// <summary>
/// What nnU-Net's sample fixtures cover (<see cref="TestPaths.Sample"/>): both configurations and three cases, each
/// predicted with and without mirroring.
/// </summary>
internal static class SampleRuns
{
    public static readonly string[] Configurations = ["3d_fullres", "2d"];

    public static readonly string[] CaseIds = ["case_000", "case_001", "case_003"];

    /// <summary>Every (configuration, mirroring, case).</summary>
    public static TheoryData<string, bool, string> All()
    {
        var runs = new TheoryData<string, bool, string>();
        foreach (string configuration in Configurations)
        {
            foreach (bool tta in new[] { true, false })
            {
                foreach (string caseId in CaseIds)
                {
                    runs.Add(configuration, tta, caseId);
                }
            }
        }

        return runs;
    }

    /// <summary>How the fixtures name a run's mirroring: <c>tta</c> or <c>notta</c>.</summary>
    public static string Mirroring(bool tta) => tta ? "tta" : "notta";

    /// <summary>The folder of nnU-Net's reference outputs for a run, e.g. <c>3d_fullres_tta</c>.</summary>
    public static string Name(string configuration, bool tta) => $"{configuration}_{Mirroring(tta)}";

    /// <summary>
    /// The largest absolute difference between the probabilities in <paramref name="npz"/> (returned in
    /// <paramref name="ours"/>) and nnU-Net's for the same run and case; the shapes must agree.
    /// </summary>
    public static float MaxProbabilityDifference(string npz, string run, string caseId, out NpyArray ours)
    {
        ours = Npy.ReadFromNpz(npz, "probabilities");
        NpyArray theirs = Npy.ReadFromNpz(Path.Combine(TestPaths.Sample, "reference", run, caseId + ".npz"), "probabilities");
        Assert.Equal(theirs.Shape, ours.Shape);
        ReadOnlySpan<float> a = ours.As<float>();
        ReadOnlySpan<float> b = theirs.As<float>();
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(a[i] - b[i]));
        }

        return worst;
    }
}
