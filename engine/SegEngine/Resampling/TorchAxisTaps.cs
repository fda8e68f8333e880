namespace SegEngine.Resampling;

/// <summary>
/// For one axis of torch's <c>F.interpolate(mode='linear'|'bilinear'|'trilinear', align_corners=False)</c> on the CPU,
/// the two input taps and float32 weights of every output index, as torch 1.13's kernels compute them.
/// </summary>
/// <remarks>
/// Measured on Debian's python3-torch 1.13 (tests/fixtures/resampling/torch/make_fixtures.py checks every rule here):
/// scale = (float)n / m in float32; source = scale·(o + 0.5) − 0.5 evaluated in float64 (exact product), clamped at 0;
/// low = ⌊source⌋, high = low + 1 unless low is the last index; w1 = (float)clamp(source − low, 0, 1), w0 = 1 − w1 in
/// float32. An unchanged length copies (w0 = 1, w1 = 0). nnunet-parity.md §3.5.
/// </remarks>
internal sealed class TorchAxisTaps
{
    private TorchAxisTaps(int inputLength, int[] low, int[] high, float[] w0, float[] w1)
    {
        InputLength = inputLength;
        Low = low;
        High = high;
        W0 = w0;
        W1 = w1;
    }

    public int InputLength { get; }

    public int OutputLength => Low.Length;

    public int[] Low { get; }

    public int[] High { get; }

    public float[] W0 { get; }

    public float[] W1 { get; }

    public static TorchAxisTaps Linear(int inputLength, int outputLength)
    {
        Require(inputLength, outputLength);
        var low = new int[outputLength];
        var high = new int[outputLength];
        var w0 = new float[outputLength];
        var w1 = new float[outputLength];
        if (inputLength == outputLength)
        {
            for (int o = 0; o < outputLength; o++)
            {
                low[o] = high[o] = o;
                w0[o] = 1f;
            }

            return new TorchAxisTaps(inputLength, low, high, w0, w1);
        }

        float scale = (float)inputLength / outputLength;
        for (int o = 0; o < outputLength; o++)
        {
            double source = Math.Max((scale * (o + 0.5)) - 0.5, 0.0);
            int index = (int)source;
            low[o] = index;
            high[o] = index < inputLength - 1 ? index + 1 : index;
            w1[o] = (float)Math.Clamp(source - index, 0.0, 1.0);
            w0[o] = 1f - w1[o];
        }

        return new TorchAxisTaps(inputLength, low, high, w0, w1);
    }

    /// <summary>
    /// <c>mode='nearest-exact'</c>: input index min(⌊(float)((o + 0.5)·scale)⌋, n − 1), the product in float64 rounded
    /// to float32 before the floor, scale = (float)n / m.
    /// </summary>
    public static int[] NearestExact(int inputLength, int outputLength)
    {
        Require(inputLength, outputLength);
        float scale = (float)inputLength / outputLength;
        var index = new int[outputLength];
        for (int o = 0; o < outputLength; o++)
        {
            index[o] = Math.Min((int)MathF.Floor((float)((o + 0.5) * scale)), inputLength - 1);
        }

        return index;
    }

    private static void Require(int inputLength, int outputLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputLength, 1);
    }
}
