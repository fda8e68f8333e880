using System.Numerics;
using System.Numerics.Tensors;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>What a resize reads: voxels as the float64 values nnU-Net's <c>astype(float)</c> copy would hold.</summary>
internal interface IVoxelSource
{
    double Read(nint index);

    /// <summary>Reads a contiguous run of voxels starting at <paramref name="start"/>.</summary>
    void ReadRun(nint start, Span<double> destination);
}

/// <summary>A float32 channel; the pointer is pinned by the caller for the duration of the resize.</summary>
internal readonly unsafe struct SingleSource(float* data) : IVoxelSource
{
    public double Read(nint index) => data[index];

    public void ReadRun(nint start, Span<double> destination) =>
        TensorPrimitives.ConvertChecked<float, double>(new ReadOnlySpan<float>(data + start, destination.Length), destination);
}

/// <summary><c>(seg == label).astype(float)</c> over a pinned label map, as <c>resize_segmentation</c> builds it.</summary>
internal readonly unsafe struct LabelMaskSource<T>(T* data, T label) : IVoxelSource
    where T : unmanaged, IBinaryInteger<T>
{
    public double Read(nint index) => data[index] == label ? 1.0 : 0.0;

    public void ReadRun(nint start, Span<double> destination)
    {
        T* run = data + start;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = run[i] == label ? 1.0 : 0.0;
        }
    }
}
