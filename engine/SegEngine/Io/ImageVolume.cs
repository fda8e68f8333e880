namespace SegEngine.Io;

/// <summary>
/// A case's image as nnU-Net's reader returns it: float32 voxels (C, z, y, x; x fastest), the spacing in that axis order
/// (<c>props['spacing']</c>), and the geometry the writer needs. Owns <see cref="Data"/>.
/// </summary>
public sealed class ImageVolume : IDisposable
{
    internal ImageVolume(VolumeBuffer<float> data, double[] spacing, ImageGeometry geometry, IReadOnlyList<string> sourcePaths)
    {
        Data = data;
        Spacing = spacing;
        Geometry = geometry;
        SourcePaths = sourcePaths;
    }

    /// <summary>The voxels, channel-major (C, z, y, x). Owned by this volume.</summary>
    public VolumeBuffer<float> Data { get; }

    /// <summary>Voxel spacing (z, y, x), as nnU-Net's <c>props['spacing']</c>.</summary>
    public double[] Spacing { get; }

    public ImageGeometry Geometry { get; }

    /// <summary>The channel files, in channel order.</summary>
    public IReadOnlyList<string> SourcePaths { get; }

    public void Dispose() => Data.Dispose();
}
