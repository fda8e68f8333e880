using System.Buffers;
using System.Runtime.InteropServices;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// The order-3 resize's float64 working set (coefficient blocks, checkpoints, the gathered ring) in native memory that is
/// freed when disposed. From the shared array pool these ~100 MiB would stay resident after preprocessing, through the
/// sliding window and the export, where the memory plan does not count them.
/// </summary>
internal sealed unsafe class NativeScratch : MemoryManager<double>
{
    private readonly int length;
    private double* values;

    /// <summary>Allocates <paramref name="length"/> uninitialised values.</summary>
    public NativeScratch(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        this.length = length;
        values = (double*)NativeMemory.AlignedAlloc((nuint)Math.Max(length, 1) * sizeof(double), 64);
    }

    public Span<double> Span => GetSpan();

    public override Span<double> GetSpan() =>
        values is not null ? new Span<double>(values, length) : throw new ObjectDisposedException(nameof(NativeScratch));

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elementIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(elementIndex, length);
        return new MemoryHandle(values + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (values is not null)
        {
            NativeMemory.AlignedFree(values);
            values = null;
        }
    }
}
