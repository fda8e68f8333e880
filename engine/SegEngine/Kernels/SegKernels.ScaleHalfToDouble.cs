using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>The shortest span <see cref="ScaleHalfToDouble"/> scales without its scalar loop (8 halves, one Vector256 of floats).</summary>
    internal const int ScaleBlock = 8;

    /// <summary>
    /// Widens fp16 values to float64 and applies two weights in order: effectively
    /// <c>destination[i] = ((double)source[i] * first) * second</c>, two roundings, never fused.
    /// </summary>
    /// <remarks>
    /// The first two factors of an order-1 tap term ((v·w_z)·w_y)·w_x (nnunet-parity.md §3.5) depend only on the input
    /// voxel and the output row, so the tap sum (<see cref="TrilinearTapSum"/>) reads them from rows scaled once.
    /// Half → float is exact and done in registers (<see cref="HalfLanes"/>); float → double is exact.
    /// </remarks>
    public static void ScaleHalfToDouble(ReadOnlySpan<Half> source, double first, double second, Span<double> destination)
    {
        if (destination.Length != source.Length)
        {
            ThrowLengthMismatch(nameof(destination), source.Length, destination.Length);
        }

        ref ushort halves = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(source));
        ref double results = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            Vector512<double> a = Vector512.Create(first);
            Vector512<double> b = Vector512.Create(second);
            nuint lanes = (nuint)Vector512<double>.Count;
            for (; i + (4 * lanes) <= length; i += 4 * lanes)
            {
                (Vector512<float> lower, Vector512<float> upper) = HalfLanes.Load512(ref halves, i);
                (Vector512<double> d0, Vector512<double> d1) = Vector512.Widen(lower);
                (Vector512<double> d2, Vector512<double> d3) = Vector512.Widen(upper);
                ((d0 * a) * b).StoreUnsafe(ref results, i);
                ((d1 * a) * b).StoreUnsafe(ref results, i + lanes);
                ((d2 * a) * b).StoreUnsafe(ref results, i + (2 * lanes));
                ((d3 * a) * b).StoreUnsafe(ref results, i + (3 * lanes));
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<double> a = Vector256.Create(first);
            Vector256<double> b = Vector256.Create(second);
            nuint lanes = (nuint)Vector256<double>.Count;
            for (; i + (4 * lanes) <= length; i += 4 * lanes)
            {
                (Vector256<float> lower, Vector256<float> upper) = HalfLanes.Load256(ref halves, i);
                (Vector256<double> d0, Vector256<double> d1) = Vector256.Widen(lower);
                (Vector256<double> d2, Vector256<double> d3) = Vector256.Widen(upper);
                ((d0 * a) * b).StoreUnsafe(ref results, i);
                ((d1 * a) * b).StoreUnsafe(ref results, i + lanes);
                ((d2 * a) * b).StoreUnsafe(ref results, i + (2 * lanes));
                ((d3 * a) * b).StoreUnsafe(ref results, i + (3 * lanes));
            }

            // The export scales many short ranges (TapLanes): 8 at a time, the last 8 overlapping the previous ones
            // (the same bits stored again), keeps them off the scalar loop.
            for (; i < length && length >= ScaleBlock; i = Math.Min(i + ScaleBlock, length))
            {
                nuint start = Math.Min(i, length - ScaleBlock);
                Vector256<float> values = HalfLanes.ToSingle(Vector256.WidenLower(Vector128.LoadUnsafe(ref halves, start).ToVector256Unsafe()));
                (Vector256<double> d0, Vector256<double> d1) = Vector256.Widen(values);
                ((d0 * a) * b).StoreUnsafe(ref results, start);
                ((d1 * a) * b).StoreUnsafe(ref results, start + lanes);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref results, i) = ((double)HalfLanes.ToSingle(Unsafe.Add(ref halves, i)) * first) * second;
        }
    }
}
