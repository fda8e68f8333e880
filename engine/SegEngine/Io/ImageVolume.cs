namespace SegEngine.Io;

/// <summary>
/// A case's image as nnU-Net's reader returns it: float32 voxels (C, z, y, x; x fastest), the spacing in that axis order
/// (<c>props['spacing']</c>), and the geometry the writer needs. Owns <see cref="Data"/>.
/// </summary>
public sealed class ImageVolume : IDisposable
{
    private VolumeBuffer<float>? data;

    internal ImageVolume(VolumeBuffer<float> data, double[] spacing, ImageGeometry geometry, IReadOnlyList<string> sourcePaths)
    {
        this.data = data;
        Spacing = spacing;
        Geometry = geometry;
        SourcePaths = sourcePaths;
    }

    /// <summary>The voxels, channel-major (C, z, y, x). Owned by this volume.</summary>
    public VolumeBuffer<float> Data => data ?? throw new ObjectDisposedException(nameof(ImageVolume), "the voxels were handed on or disposed");

    /// <summary>Voxel spacing (z, y, x), as nnU-Net's <c>props['spacing']</c>.</summary>
    public double[] Spacing { get; }

    public ImageGeometry Geometry { get; }

    /// <summary>The channel files, in channel order.</summary>
    public IReadOnlyList<string> SourcePaths { get; }

    public void Dispose()
    {
        data?.Dispose();
        data = null;
    }

    /// <summary>Hands the voxels to a stage that consumes them (saves a copy of the largest buffer); this volume keeps only its metadata.</summary>
    internal VolumeBuffer<float> DetachData()
    {
        VolumeBuffer<float> detached = Data;
        data = null;
        return detached;
    }
}
