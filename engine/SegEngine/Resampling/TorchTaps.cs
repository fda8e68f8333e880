using System.Numerics;

namespace SegEngine.Resampling;

/// <summary>
/// For one axis of torch's <c>F.interpolate(align_corners=False)</c> on the CPU, the taps torch 1.13's kernels compute:
/// linear (<c>mode='linear'|'bilinear'|'trilinear'</c>) as <see cref="TapPairs{TWeight}"/>, and <c>nearest-exact</c>.
/// </summary>
/// <remarks>
/// Measured on Debian's python3-torch 1.13 (tests/fixtures/resampling/torch/make_fixtures.py checks every rule here):
/// scale = (float)n / m in float32; source = scale·(o + 0.5) − 0.5 evaluated in float64 (exact product), clamped at 0;
/// low = ⌊source⌋, high = low + 1 unless low is the last index; w1 = (float)clamp(source − low, 0, 1), w0 = 1 − w1 in
/// float32. An unchanged length copies (w0 = 1, w1 = 0). nnunet-parity.md §3.5.
/// </remarks>
internal static class TorchTaps
{
    /// <summary>
    /// Linear taps with torch's float32 weights held in <typeparamref name="TWeight"/> (float for torch's own kernels,
    /// double for the export's grid: the widening is exact).
    /// </summary>
    public static TapPairs<TWeight> Linear<TWeight>(int inputLength, int outputLength)
        where TWeight : unmanaged, IBinaryFloatingPointIeee754<TWeight>
    {
        Require(inputLength, outputLength);
        if (inputLength == outputLength)
        {
            return TapPairs<TWeight>.Identity(inputLength);
        }

        var low = new int[outputLength];
        var high = new int[outputLength];
        var w0 = new TWeight[outputLength];
        var w1 = new TWeight[outputLength];
        float scale = (float)inputLength / outputLength;
        for (int o = 0; o < outputLength; o++)
        {
            double source = Math.Max((scale * (o + 0.5)) - 0.5, 0.0);
            int index = (int)source;
            low[o] = index;
            high[o] = index < inputLength - 1 ? index + 1 : index;
            float weight1 = (float)Math.Clamp(source - index, 0.0, 1.0);
            w1[o] = TWeight.CreateTruncating(weight1);
            w0[o] = TWeight.CreateTruncating(1f - weight1);
        }

        return new TapPairs<TWeight>(inputLength, low, high, w0, w1);
    }

    /// <summary>
    /// <c>mode='nearest-exact'</c>: input index min(⌊(float)((o + 0.5)·scale)⌋, n − 1), the product in float64 rounded
    /// to float32 before the floor, scale = (float)n / m. An unchanged length selects every index (o + 0.5 is exact in float32 below 2^23).
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
