using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// The order-1 tap sum of a row of output voxels from four scaled input rows: effectively, for each i, with
    /// a = low[i], b = high[i], u = weightLow[i], w = weightHigh[i],
    /// <c>t = +0; t += r0[a]·u; t += r0[b]·w; t += r1[a]·u; t += r1[b]·w; t += r2[a]·u; t += r2[b]·w; t += r3[a]·u; t += r3[b]·w; destination[i] = t</c>.
    /// </summary>
    /// <remarks>
    /// r0 … r3 are the input rows (z0, y0), (z0, y1), (z1, y0), (z1, y1), each already holding (v·w_z)·w_y
    /// (<see cref="ScaleHalfToDouble"/>), so each term is skimage's ((v·w_z)·w_y)·w_x and the terms are added in its
    /// lexicographic tap order (nnunet-parity.md §3.5). Vectorised across output voxels only: a lane computes exactly what
    /// the scalar loop computes for its voxel, so the sum is never reordered. The taps are read with AVX2 gathers (.NET has no
    /// AVX-512 gather, so Vector512 lanes are gathered as two halves).
    /// </remarks>
    /// <exception cref="ArgumentException">The spans differ in length, or a tap lies outside a row.</exception>
    public static unsafe void TrilinearTapSum(
        ReadOnlySpan<double> r0,
        ReadOnlySpan<double> r1,
        ReadOnlySpan<double> r2,
        ReadOnlySpan<double> r3,
        ReadOnlySpan<int> low,
        ReadOnlySpan<int> high,
        ReadOnlySpan<double> weightLow,
        ReadOnlySpan<double> weightHigh,
        Span<double> destination)
    {
        int n = destination.Length;
        if (low.Length != n || high.Length != n || weightLow.Length != n || weightHigh.Length != n)
        {
            ThrowLengthMismatch(nameof(destination));
        }

        if (n == 0)
        {
            return;
        }

        int rowLength = Math.Min(Math.Min(r0.Length, r1.Length), Math.Min(r2.Length, r3.Length));
        if (Math.Min(TensorPrimitives.Min(low), TensorPrimitives.Min(high)) < 0 || Math.Max(TensorPrimitives.Max(low), TensorPrimitives.Max(high)) >= rowLength)
        {
            throw new ArgumentException($"a tap lies outside the rows of {rowLength} values", nameof(low));
        }

        fixed (double* p0 = r0, p1 = r1, p2 = r2, p3 = r3)
        {
            var rows = new TapRows(p0, p1, p2, p3);
            ref int lows = ref MemoryMarshal.GetReference(low);
            ref int highs = ref MemoryMarshal.GetReference(high);
            ref double us = ref MemoryMarshal.GetReference(weightLow);
            ref double ws = ref MemoryMarshal.GetReference(weightHigh);
            ref double results = ref MemoryMarshal.GetReference(destination);
            nuint length = (nuint)n;
            nuint i = 0;
            VectorWidth width = Width;
            if (width == VectorWidth.Vector512)
            {
                for (; i + (nuint)Vector512<double>.Count <= length; i += (nuint)Vector512<double>.Count)
                {
                    Vector256<int> a = Vector256.LoadUnsafe(ref lows, i);
                    Vector256<int> b = Vector256.LoadUnsafe(ref highs, i);
                    Vector512<double> u = Vector512.LoadUnsafe(ref us, i);
                    Vector512<double> w = Vector512.LoadUnsafe(ref ws, i);
                    Vector512<double> t = Vector512<double>.Zero;
                    t += Gather(rows.R0, a) * u;
                    t += Gather(rows.R0, b) * w;
                    t += Gather(rows.R1, a) * u;
                    t += Gather(rows.R1, b) * w;
                    t += Gather(rows.R2, a) * u;
                    t += Gather(rows.R2, b) * w;
                    t += Gather(rows.R3, a) * u;
                    t += Gather(rows.R3, b) * w;
                    t.StoreUnsafe(ref results, i);
                }
            }

            if (width >= VectorWidth.Vector256)
            {
                for (; i + (nuint)Vector256<double>.Count <= length; i += (nuint)Vector256<double>.Count)
                {
                    Vector128<int> a = Vector128.LoadUnsafe(ref lows, i);
                    Vector128<int> b = Vector128.LoadUnsafe(ref highs, i);
                    Vector256<double> u = Vector256.LoadUnsafe(ref us, i);
                    Vector256<double> w = Vector256.LoadUnsafe(ref ws, i);
                    Vector256<double> t = Vector256<double>.Zero;
                    t += Gather(rows.R0, a) * u;
                    t += Gather(rows.R0, b) * w;
                    t += Gather(rows.R1, a) * u;
                    t += Gather(rows.R1, b) * w;
                    t += Gather(rows.R2, a) * u;
                    t += Gather(rows.R2, b) * w;
                    t += Gather(rows.R3, a) * u;
                    t += Gather(rows.R3, b) * w;
                    t.StoreUnsafe(ref results, i);
                }
            }

            for (; i < length; i++)
            {
                int a = Unsafe.Add(ref lows, i);
                int b = Unsafe.Add(ref highs, i);
                double u = Unsafe.Add(ref us, i);
                double w = Unsafe.Add(ref ws, i);
                double t = 0.0;
                t += rows.R0[a] * u;
                t += rows.R0[b] * w;
                t += rows.R1[a] * u;
                t += rows.R1[b] * w;
                t += rows.R2[a] * u;
                t += rows.R2[b] * w;
                t += rows.R3[a] * u;
                t += rows.R3[b] * w;
                Unsafe.Add(ref results, i) = t;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<double> Gather(double* row, Vector128<int> index) =>
        Avx2.IsSupported
            ? Avx2.GatherVector256(row, index, 8)
            : Vector256.Create(row[index[0]], row[index[1]], row[index[2]], row[index[3]]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<double> Gather(double* row, Vector256<int> index) =>
        Vector512.Create(Gather(row, index.GetLower()), Gather(row, index.GetUpper()));

    /// <summary>The four pinned scaled rows of one call.</summary>
    private readonly unsafe struct TapRows(double* r0, double* r1, double* r2, double* r3)
    {
        public double* R0 { get; } = r0;

        public double* R1 { get; } = r1;

        public double* R2 { get; } = r2;

        public double* R3 { get; } = r3;
    }
}
