using CommunityToolkit.HighPerformance.Buffers;

namespace SegEngine;

/// <summary>
/// A pooled, channel-major volume (C, z, y, x; x fastest), the in-memory form of every stage's data.
/// The buffer is rented from the shared array pool; dispose it to return the memory.
/// </summary>
public sealed class VolumeBuffer<T> : IDisposable
    where T : unmanaged
{
    private MemoryOwner<T>? owner;

    private VolumeBuffer(MemoryOwner<T> owner, int channels, Shape3 shape)
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

    /// <summary>All channels, contiguous. Borrowed: valid until this buffer is disposed.</summary>
    public Span<T> Span => Owner.Span;

    public Memory<T> Memory => Owner.Memory;

    /// <summary>Rents a zero-filled buffer.</summary>
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

        return new VolumeBuffer<T>(MemoryOwner<T>.Allocate((int)total, AllocationMode.Clear), channels, shape);
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
        owner?.Dispose();
        owner = null;
    }

    private MemoryOwner<T> Owner => owner ?? throw new ObjectDisposedException(nameof(VolumeBuffer<T>));
}
