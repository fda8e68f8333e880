using System.Numerics;
using SegEngine.Kernels;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>Receives one output row (fixed z and y, all x) of float64 interpolation sums.</summary>
internal interface IRowSink
{
    void WriteRow(int z, int y, ReadOnlySpan<double> values);
}

/// <summary>skimage's clip to the input's [min, max], then the float32 store (nnunet-parity.md §3.5).</summary>
internal readonly unsafe struct ClippedSingleSink(float* destination, Shape3 shape, double min, double max) : IRowSink
{
    public void WriteRow(int z, int y, ReadOnlySpan<double> values) =>
        SegKernels.ClipToSingle(values, min, max, new Span<float>(destination + ((nint)z * shape.Y + y) * shape.X, shape.X));
}

/// <summary>
/// One label's step of <c>resize_segmentation</c>: the resized mask is clipped to the mask's [min, max] and
/// <c>out[m &gt;= 0.5] = label</c>, so later labels overwrite earlier ones.
/// </summary>
internal readonly unsafe struct LabelThresholdSink<T>(T* destination, Shape3 shape, double min, double max, T label) : IRowSink
    where T : unmanaged, IBinaryInteger<T>
{
    public void WriteRow(int z, int y, ReadOnlySpan<double> values)
    {
        T* row = destination + ((nint)z * shape.Y + y) * shape.X;
        for (int i = 0; i < values.Length; i++)
        {
            if (SegKernels.Clip(values[i], min, max) >= 0.5)
            {
                row[i] = label;
            }
        }
    }
}
