using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    private const ushort HalfMagnitudeMask = 0x7FFF;
    private const ushort HalfInfinityBits = 0x7C00;

    /// <summary>The index of the first ±infinity in <paramref name="values"/>, or -1. NaN does not count.</summary>
    /// <remarks>nnU-Net's <c>torch.any(torch.isinf(predicted_logits))</c> check after the division (contract §4.4, §9).</remarks>
    public static int IndexOfInfinity(ReadOnlySpan<Half> values)
    {
        ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<Half, ushort>(values);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<ushort> mask = Vector512.Create(HalfMagnitudeMask);
            Vector512<ushort> infinity = Vector512.Create(HalfInfinityBits);
            for (; i <= bits.Length - Vector512<ushort>.Count; i += Vector512<ushort>.Count)
            {
                Vector512<ushort> magnitude = Vector512.Create(bits.Slice(i, Vector512<ushort>.Count)) & mask;
                if (Vector512.EqualsAny(magnitude, infinity))
                {
                    break;
                }
            }
        }

        for (; i < bits.Length; i++)
        {
            if ((bits[i] & HalfMagnitudeMask) == HalfInfinityBits)
            {
                return i;
            }
        }

        return -1;
    }
}
