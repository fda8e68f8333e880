using System.Diagnostics.CodeAnalysis;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Copies the elements of <paramref name="x"/> whose <paramref name="mask"/> byte is nonzero, in order, to the
    /// front of <paramref name="destination"/> (NumPy's boolean-index copy <c>x[mask]</c>) and returns how many it
    /// wrote. Stops early when <paramref name="destination"/> is full; <paramref name="consumed"/> says how far it read.
    /// </summary>
    /// <remarks>nnunet-parity.md §3.4 (ZScore with <c>use_mask_for_norm</c> reduces the masked 1-D copy). Lets callers stream the copy chunk by chunk.</remarks>
    public static int CompressMasked(ReadOnlySpan<float> x, ReadOnlySpan<byte> mask, Span<float> destination, out int consumed)
    {
        if (x.Length != mask.Length)
        {
            ThrowLengthMismatch(nameof(mask));
        }

        int written = 0;
        int i = 0;
        for (; i < x.Length && written < destination.Length; i++)
        {
            if (mask[i] != 0)
            {
                destination[written++] = x[i];
            }
        }

        consumed = i;
        return written;
    }
}
