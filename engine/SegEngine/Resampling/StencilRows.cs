using SegEngine.Export;
using SegEngine.Kernels;

namespace SegEngine.Resampling;

/// <summary>
/// The 4 input rows of one class that an output row's taps read, in tap order: (low slice, low row), (low slice, high
/// row), (high slice, low row), (high slice, high row). The one place that order is written for the stencils.
/// </summary>
internal readonly ref struct StencilRows
{
    public StencilRows(SliceClassPlanes low, SliceClassPlanes high, int k, int lowRow, int highRow)
    {
        Row0 = low.Row(k, lowRow);
        Row1 = low.Row(k, highRow);
        Row2 = high.Row(k, lowRow);
        Row3 = high.Row(k, highRow);
    }

    public ReadOnlySpan<Half> Row0 { get; }

    public ReadOnlySpan<Half> Row1 { get; }

    public ReadOnlySpan<Half> Row2 { get; }

    public ReadOnlySpan<Half> Row3 { get; }

    /// <summary>The 8 tap values at input x <paramref name="low"/> and <paramref name="high"/>, in tap order (slice, row, then x: low before high).</summary>
    public void Taps(int low, int high, Span<float> destination)
    {
        destination[0] = ToSingle(Row0[low]);
        destination[1] = ToSingle(Row0[high]);
        destination[2] = ToSingle(Row1[low]);
        destination[3] = ToSingle(Row1[high]);
        destination[4] = ToSingle(Row2[low]);
        destination[5] = ToSingle(Row2[high]);
        destination[6] = ToSingle(Row3[low]);
        destination[7] = ToSingle(Row3[high]);
    }

    private static float ToSingle(Half value) => HalfLanes.ToSingle(BitConverter.HalfToUInt16Bits(value));
}
