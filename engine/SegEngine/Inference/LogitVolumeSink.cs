namespace SegEngine.Inference;

/// <summary>Collects the streamed slabs into one (K, z, y, x) fp16 volume, for tests and callers that want the whole array.</summary>
internal sealed class LogitVolumeSink : ILogitSlabSink, IDisposable
{
    private VolumeBuffer<Half>? volume;
    private LogitSlabOrder? order;

    /// <summary>Copies every row as it comes: nothing is kept per slice beyond the volume itself.</summary>
    public long WorkingBytesPerSlice => 0;

    /// <summary>The collected logits once <see cref="ILogitSlabSink.Complete"/> ran; the caller takes ownership.</summary>
    public VolumeBuffer<Half> TakeVolume()
    {
        if (volume is null || order?.Done != true)
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
        order = new LogitSlabOrder(shape);
    }

    public void Accept(LogitSlab slab)
    {
        VolumeBuffer<Half> target = volume ?? throw new InvalidOperationException("Accept before Begin");
        (int rowFrom, int rowTo, _, _) = order!.Next(slab);
        (int height, int width) = (target.Shape.Y, target.Shape.X);
        for (int z = slab.ZStart; z < slab.ZStart + slab.ZCount; z++)
        {
            Export.SliceClassPlanes planes = slab.Slice(z, (height, width));
            for (int k = 0; k < target.Channels; k++)
            {
                for (int y = rowFrom; y < rowTo; y++)
                {
                    planes.Row(k, y).CopyTo(target.Channel(k).Slice(((z * height) + y) * width, width));
                }
            }
        }
    }

    public void Complete()
    {
        if (volume is null || order?.Done != true)
        {
            throw new InvalidOperationException($"completed before every slice of {volume?.Shape.Z} was delivered");
        }
    }

    public void Dispose()
    {
        volume?.Dispose();
        volume = null;
    }
}
