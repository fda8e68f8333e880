using SegEngine.Buffers;

namespace SegEngine;

/// <summary>
/// A channel-major volume (C, z, y, x; x fastest), the in-memory form of every stage's data. Its voxels are native
/// memory (<see cref="NativeBuffer{T}"/>): dispose it to give them back to the operating system at once, which is what
/// lets the memory plan drop a released volume from the later stages. A forgotten buffer is freed when finalized.
/// </summary>
public sealed class VolumeBuffer<T> : IDisposable
    where T : unmanaged
{
    private NativeBuffer<T>? owner;

    private VolumeBuffer(NativeBuffer<T> owner, int channels, Shape3 shape)
    {
        this.owner = owner;
        Channels = channels;
        Shape = shape;
    }

    public int Channels { get; }

    public Shape3 Shape { get; }

    /// <summary>Elements per channel.</summary>
    public int ChannelLength => (int)Shape.Voxels;

    public int Length => Channels * ChannelLength;

    /// <summary>All channels, contiguous. Borrowed: valid until this buffer is disposed; keep the buffer referenced while using it.</summary>
    public Span<T> Span => Owner.Span;

    /// <summary>All channels, as memory that keeps this buffer's storage alive; valid until this buffer is disposed.</summary>
    public Memory<T> Memory => Owner.Memory;

    /// <summary>Allocates a zero-filled buffer (fresh pages for a large one: nothing is cleared up front).</summary>
    public static VolumeBuffer<T> Allocate(int channels, Shape3 shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (shape.Z <= 0 || shape.Y <= 0 || shape.X <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(shape), shape, "every axis must be positive");
        }

        long total = channels * shape.Voxels;
        if (total > Array.MaxLength)
        {
            throw new SegEngineException(
                SegErrorCode.MemoryBudget,
                $"a volume of {channels} x {shape} = {total} elements exceeds the largest single buffer ({Array.MaxLength} elements)");
        }

        return new VolumeBuffer<T>(new NativeBuffer<T>((int)total), channels, shape);
    }

    /// <summary>One channel's voxels. Borrowed: valid until this buffer is disposed.</summary>
    public Span<T> Channel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, Channels);
        return Owner.Span.Slice(channel * ChannelLength, ChannelLength);
    }

    public void Dispose()
    {
        // MemoryManager<T> implements Dispose explicitly.
        ((IDisposable?)owner)?.Dispose();
        owner = null;
    }

    private NativeBuffer<T> Owner => owner ?? throw new ObjectDisposedException(nameof(VolumeBuffer<T>));
}
