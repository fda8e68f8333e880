using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    private const ushort HalfMagnitudeMask = 0x7FFF;
    private const ushort HalfInfinityBits = 0x7C00;

    /// <summary>The index of the first ±infinity in <paramref name="values"/>, or -1. NaN does not count.</summary>
    /// <remarks>
    /// nnU-Net's <c>torch.any(torch.isinf(predicted_logits))</c> check after the division (nnunet-parity.md §4.4, §9). A half is
    /// infinite exactly when its bits without the sign are 0x7C00. The vector loops only find the first block holding
    /// one; the scalar loop then finds its index.
    /// </remarks>
    public static int IndexOfInfinity(ReadOnlySpan<Half> values)
    {
        ref ushort start = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(values));
        nuint length = (nuint)values.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            Vector512<ushort> mask = Vector512.Create(HalfMagnitudeMask);
            Vector512<ushort> infinity = Vector512.Create(HalfInfinityBits);
            for (; i + (nuint)Vector512<ushort>.Count <= length; i += (nuint)Vector512<ushort>.Count)
            {
                if (Vector512.EqualsAny(Vector512.LoadUnsafe(ref start, i) & mask, infinity))
                {
                    break;
                }
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<ushort> mask = Vector256.Create(HalfMagnitudeMask);
            Vector256<ushort> infinity = Vector256.Create(HalfInfinityBits);
            for (; i + (nuint)Vector256<ushort>.Count <= length; i += (nuint)Vector256<ushort>.Count)
            {
                if (Vector256.EqualsAny(Vector256.LoadUnsafe(ref start, i) & mask, infinity))
                {
                    break;
                }
            }
        }

        for (; i < length; i++)
        {
            if ((Unsafe.Add(ref start, i) & HalfMagnitudeMask) == HalfInfinityBits)
            {
                return (int)i;
            }
        }

        return -1;
    }
}
