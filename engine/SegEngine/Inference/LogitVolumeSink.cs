namespace SegEngine.Inference;

/// <summary>Collects the streamed slabs into one (K, z, y, x) fp16 volume, for tests and callers that want the whole array.</summary>
internal sealed class LogitVolumeSink : ILogitSlabSink, IDisposable
{
    private VolumeBuffer<Half>? volume;
    private int nextSlice;

    /// <summary>The collected logits once <see cref="ILogitSlabSink.Complete"/> ran; the caller takes ownership.</summary>
    public VolumeBuffer<Half> TakeVolume()
    {
        if (volume is null || nextSlice != volume.Shape.Z)
        {
            throw new InvalidOperationException("the sliding window has not delivered every slice yet");
        }

        VolumeBuffer<Half> result = volume;
        volume = null;
        return result;
    }

    public void Begin(int headCount, Shape3 shape)
    {
        volume?.Dispose();
        volume = VolumeBuffer<Half>.Allocate(headCount, shape);
        nextSlice = 0;
    }

    public void Accept(LogitSlab slab)
    {
        VolumeBuffer<Half> target = volume ?? throw new InvalidOperationException("Accept before Begin");
        if (slab.ZStart != nextSlice || slab.ZCount <= 0 || slab.ZStart + slab.ZCount > target.Shape.Z)
        {
            throw new InvalidOperationException($"slab [{slab.ZStart}, {slab.ZStart + slab.ZCount}) out of order; expected a slab starting at {nextSlice}");
        }

        int sliceLength = target.Shape.Y * target.Shape.X;
        for (int z = slab.ZStart; z < slab.ZStart + slab.ZCount; z++)
        {
            Export.SliceClassPlanes planes = slab.Slice(z, sliceLength);
            for (int k = 0; k < target.Channels; k++)
            {
                planes.Class(k).CopyTo(target.Channel(k).Slice(z * sliceLength, sliceLength));
            }
        }

        nextSlice += slab.ZCount;
    }

    public void Complete()
    {
        if (volume is null || nextSlice != volume.Shape.Z)
        {
            throw new InvalidOperationException($"completed after {nextSlice} slices of {volume?.Shape.Z}");
        }
    }

    public void Dispose()
    {
        volume?.Dispose();
        volume = null;
    }
}
