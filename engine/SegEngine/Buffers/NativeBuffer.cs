using System.Buffers;

namespace SegEngine.Buffers;

/// <summary>
/// Zero-filled, 64-byte-aligned native memory that is freed when disposed (or, forgotten, when its
/// <see cref="ZeroedNativeBlock"/> is finalized). Large volumes and working sets live here rather than in the shared
/// array pool, where a returned array stays resident for the rest of the process: a large block is unmapped on free,
/// so its memory leaves the process at once.
/// </summary>
/// <remarks>
/// A span taken from it is not tracked by the GC: keep the owner referenced (a <c>using</c>) while the span is in use,
/// or a forgotten owner's memory may be freed under it.
/// </remarks>
internal sealed unsafe class NativeBuffer<T> : MemoryManager<T>
    where T : unmanaged
{
    private const int Alignment = 64;
    private readonly int length;
    private readonly ZeroedNativeBlock block;
    private readonly T* values;

    public NativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        this.length = length;

        // calloc aligns to 16 bytes; the extra bytes let the values start at the next 64-byte boundary (a cache line, a
        // whole Vector512) without clearing the block by hand as an aligned allocation would need.
        block = new ZeroedNativeBlock(((nuint)length * (nuint)sizeof(T)) + Alignment - 1);
        values = (T*)(((nuint)block.DangerousGetHandle() + Alignment - 1) & ~(nuint)(Alignment - 1));
    }

    public Span<T> Span => GetSpan();

    public override Span<T> GetSpan() =>
        !block.IsClosed ? new Span<T>(values, length) : throw new ObjectDisposedException(nameof(NativeBuffer<T>));

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(block.IsClosed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
        return new MemoryHandle(values + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            block.Dispose();
        }
    }
}
