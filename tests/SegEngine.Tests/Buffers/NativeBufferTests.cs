using System.Diagnostics;
using CommunityToolkit.HighPerformance;
using SegEngine.Buffers;

namespace SegEngine.Tests.Buffers;

/// <summary>Native volumes and working sets: zero-filled, aligned, usable as memory, and given back to the OS on dispose.</summary>
public class NativeBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(13)]
    [InlineData(4097)]
    [InlineData(3 << 20)]
    public unsafe void ABufferStartsZeroFilledOnA64ByteBoundary(int length)
    {
        using var doubles = new NativeBuffer<double>(length);
        using var bytes = new NativeBuffer<byte>(length);

        Assert.Equal(length, doubles.Span.Length);
        Assert.Equal(-1, doubles.Span.IndexOfAnyExcept(0.0));
        Assert.Equal(-1, bytes.Span.IndexOfAnyExcept((byte)0));
        using System.Buffers.MemoryHandle pinned = doubles.Pin();
        Assert.Equal(0, (long)pinned.Pointer % 64);
    }

    [Fact]
    public void ItsMemoryAndItsSpanAreTheSameValues()
    {
        using var buffer = new NativeBuffer<float>(100);
        Memory<float> memory = buffer.Memory;

        memory.Span[37] = 2.5f;

        Assert.Equal(2.5f, buffer.Span[37]);
        Assert.Equal(BitConverter.GetBytes(2.5f), memory.Slice(37, 1).AsBytes().ToArray());
    }

    [Fact]
    public void ADisposedVolumeRefusesItsVoxelsAndMayBeDisposedAgain()
    {
        var volume = VolumeBuffer<float>.Allocate(2, new Shape3(3, 4, 5));
        Memory<float> memory = volume.Memory;

        volume.Dispose();
        volume.Dispose();

        Assert.Throws<ObjectDisposedException>(() => volume.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => volume.Channel(1).Length);
        Assert.Throws<ObjectDisposedException>(() => memory.Span.Length);
    }

    [Fact]
    public void ADisposedLargeVolumeLeavesTheProcessAtOnce()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        const long VolumeBytes = 256L << 20;
        var volume = VolumeBuffer<float>.Allocate(1, new Shape3(64, 1024, 1024));
        volume.Span.Fill(1f);
        long filled = ResidentBytes();

        volume.Dispose();
        long released = ResidentBytes();

        // Other tests run beside this one: most of the volume, not all of it, must be seen to go.
        Assert.True(filled - released > VolumeBytes * 3 / 4, $"resident {filled >> 20} MiB filled, {released >> 20} MiB after dispose");
    }

    private static long ResidentBytes()
    {
        using Process self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }
}
