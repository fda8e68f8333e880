using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Widens fp16 values to float64 and applies two weights in order: effectively
    /// <c>destination[i] = ((double)source[i] * first) * second</c>, two roundings, never fused.
    /// </summary>
    /// <remarks>
    /// The first two factors of an order-1 tap term ((v·w_z)·w_y)·w_x (nnunet-parity.md §3.5) depend only on the input
    /// voxel and the output row, so the tap sum (<see cref="TrilinearTapSum"/>) reads them from rows scaled once.
    /// Half → float is exact and done by TensorPrimitives; float → double is exact.
    /// </remarks>
    [SkipLocalsInit]
    public static void ScaleHalfToDouble(ReadOnlySpan<Half> source, double first, double second, Span<double> destination)
    {
        if (destination.Length != source.Length)
        {
            ThrowLengthMismatch(nameof(destination), source.Length, destination.Length);
        }

        VectorWidth width = Width;
        Span<float> wide = stackalloc float[HalfChunk];
        for (int start = 0; start < source.Length; start += HalfChunk)
        {
            int count = Math.Min(HalfChunk, source.Length - start);
            TensorPrimitives.ConvertToSingle(source.Slice(start, count), wide);
            ScaleFloatChunk(wide[..count], first, second, destination.Slice(start, count), width);
        }
    }

    private static void ScaleFloatChunk(ReadOnlySpan<float> source, double first, double second, Span<double> destination, VectorWidth width)
    {
        ref float values = ref MemoryMarshal.GetReference(source);
        ref double results = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;
        if (width == VectorWidth.Vector512)
        {
            Vector512<double> a = Vector512.Create(first);
            Vector512<double> b = Vector512.Create(second);
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                (Vector512<double> lower, Vector512<double> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref values, i));
                ((lower * a) * b).StoreUnsafe(ref results, i);
                ((upper * a) * b).StoreUnsafe(ref results, i + (nuint)Vector512<double>.Count);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<double> a = Vector256.Create(first);
            Vector256<double> b = Vector256.Create(second);
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref values, i));
                ((lower * a) * b).StoreUnsafe(ref results, i);
                ((upper * a) * b).StoreUnsafe(ref results, i + (nuint)Vector256<double>.Count);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref results, i) = ((double)Unsafe.Add(ref values, i) * first) * second;
        }
    }
}
