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

    public void Accept(int zStart, int zCount, ReadOnlySpan<Half> logits)
    {
        VolumeBuffer<Half> target = volume ?? throw new InvalidOperationException("Accept before Begin");
        if (zStart != nextSlice || zCount <= 0 || zStart + zCount > target.Shape.Z)
        {
            throw new InvalidOperationException($"slab [{zStart}, {zStart + zCount}) out of order; expected a slab starting at {nextSlice}");
        }

        int sliceLength = target.Shape.Y * target.Shape.X;
        int slabLength = zCount * sliceLength;
        for (int k = 0; k < target.Channels; k++)
        {
            logits.Slice(k * slabLength, slabLength).CopyTo(target.Channel(k).Slice(zStart * sliceLength, slabLength));
        }

        nextSlice += zCount;
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
