using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>The index of the first NaN in <paramref name="values"/>, or -1.</summary>
    /// <remarks>
    /// Images are checked once after reading: a NaN would otherwise travel silently into the network. The vector loops
    /// only find the first block holding a NaN (x ≠ x); the scalar loop then finds its index.
    /// </remarks>
    public static int IndexOfNaN(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        nuint length = (nuint)values.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                Vector512<float> block = Vector512.LoadUnsafe(ref start, i);
                if (!Vector512.EqualsAll(block, block))
                {
                    break;
                }
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                Vector256<float> block = Vector256.LoadUnsafe(ref start, i);
                if (!Vector256.EqualsAll(block, block))
                {
                    break;
                }
            }
        }

        for (; i < length; i++)
        {
            if (float.IsNaN(values[(int)i]))
            {
                return (int)i;
            }
        }

        return -1;
    }
}
