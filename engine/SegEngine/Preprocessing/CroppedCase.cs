namespace SegEngine.Preprocessing;

/// <summary>
/// A case after nnU-Net's <c>crop_to_nonzero</c> (the algorithm is <see cref="NonzeroCropping"/>): the cropped channels,
/// the hole-filled nonzero mask cropped to the same box, the box and the shape before cropping. Owns both buffers;
/// dispose it to return them.
/// </summary>
/// <remarks>
/// When the box covers the whole volume (e.g. CT, where air is −1024), <see cref="Data"/> is the input buffer itself,
/// not a copy, and disposing this result disposes it.
/// </remarks>
internal sealed class CroppedCase : IDisposable
{
    internal CroppedCase(VolumeBuffer<float> data, VolumeBuffer<byte> mask, BoundingBox boundingBox, Shape3 shapeBeforeCropping)
    {
        Data = data;
        Mask = mask;
        BoundingBox = boundingBox;
        ShapeBeforeCropping = shapeBeforeCropping;
    }

    /// <summary>The image channels inside the box, (C, z, y, x).</summary>
    public VolumeBuffer<float> Data { get; }

    /// <summary>The filled nonzero mask inside the box, one channel, 1 inside and 0 outside (nnU-Net's <c>seg ≥ 0</c>).</summary>
    public VolumeBuffer<byte> Mask { get; }

    /// <summary><c>bbox_used_for_cropping</c>.</summary>
    public BoundingBox BoundingBox { get; }

    /// <summary><c>shape_before_cropping</c>.</summary>
    public Shape3 ShapeBeforeCropping { get; }

    /// <summary>
    /// The seg nnU-Net carries on without a previous stage: <c>where(mask, 0, -1)</c> as int8. The caller owns the buffer.
    /// </summary>
    public VolumeBuffer<sbyte> CreateSeg()
    {
        VolumeBuffer<sbyte> seg = VolumeBuffer<sbyte>.Allocate(1, Mask.Shape);
        ReadOnlySpan<byte> mask = Mask.Span;
        Span<sbyte> target = seg.Span;
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = mask[i] != 0 ? (sbyte)0 : (sbyte)-1;
        }

        return seg;
    }

    public void Dispose()
    {
        Data.Dispose();
        Mask.Dispose();
    }
}
