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
    /// the scalar loop computes for its voxel, so the sum is never reordered. Four lanes' taps at a time are read with 16-byte
    /// loads of neighbouring pairs where the taps are neighbours, with AVX2 gathers elsewhere (<c>TapValues</c>).
    /// No Vector512 loop: its lanes could only be assembled from two such halves, and the extra inserts made the
    /// export's worst cells 15 % slower on Zen 4 than Vector256 alone.
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
            if (Width >= VectorWidth.Vector256)
            {
                for (; i + (nuint)Vector256<double>.Count <= length; i += (nuint)Vector256<double>.Count)
                {
                    Vector256<double> u = Vector256.LoadUnsafe(ref us, i);
                    Vector256<double> w = Vector256.LoadUnsafe(ref ws, i);
                    TapValues taps = TapValues.Load(rows, ref lows, ref highs, i);
                    Vector256<double> t = Vector256<double>.Zero;
                    t += taps.Low0 * u;
                    t += taps.High0 * w;
                    t += taps.Low1 * u;
                    t += taps.High1 * w;
                    t += taps.Low2 * u;
                    t += taps.High2 * w;
                    t += taps.Low3 * u;
                    t += taps.High3 * w;
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

    /// <summary>
    /// The tap values of 4 lanes from the 4 rows: low taps a and high taps b. Where the 4 lanes' taps are neighbours
    /// (b = a + 1, everywhere but at a clamped edge or on an identity axis) each lane's pair is one 16-byte load, and two
    /// lanes' pairs are split into low and high values with an unpack; otherwise the taps are gathered.
    /// </summary>
    private readonly struct TapValues
    {
        public Vector256<double> Low0 { get; init; }

        public Vector256<double> High0 { get; init; }

        public Vector256<double> Low1 { get; init; }

        public Vector256<double> High1 { get; init; }

        public Vector256<double> Low2 { get; init; }

        public Vector256<double> High2 { get; init; }

        public Vector256<double> Low3 { get; init; }

        public Vector256<double> High3 { get; init; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe TapValues Load(TapRows rows, ref int lows, ref int highs, nuint i)
        {
            Vector128<int> a = Vector128.LoadUnsafe(ref lows, i);
            Vector128<int> b = Vector128.LoadUnsafe(ref highs, i);
            if (Avx.IsSupported && Vector128.EqualsAll(b, a + Vector128<int>.One))
            {
                int a0 = a.GetElement(0), a1 = a.GetElement(1), a2 = a.GetElement(2), a3 = a.GetElement(3);
                (Vector256<double> low0, Vector256<double> high0) = Adjacent(rows.R0, a0, a1, a2, a3);
                (Vector256<double> low1, Vector256<double> high1) = Adjacent(rows.R1, a0, a1, a2, a3);
                (Vector256<double> low2, Vector256<double> high2) = Adjacent(rows.R2, a0, a1, a2, a3);
                (Vector256<double> low3, Vector256<double> high3) = Adjacent(rows.R3, a0, a1, a2, a3);
                return new TapValues { Low0 = low0, High0 = high0, Low1 = low1, High1 = high1, Low2 = low2, High2 = high2, Low3 = low3, High3 = high3 };
            }

            return new TapValues
            {
                Low0 = Gather(rows.R0, a), High0 = Gather(rows.R0, b),
                Low1 = Gather(rows.R1, a), High1 = Gather(rows.R1, b),
                Low2 = Gather(rows.R2, a), High2 = Gather(rows.R2, b),
                Low3 = Gather(rows.R3, a), High3 = Gather(rows.R3, b),
            };
        }

        /// <summary>(row[a0..3], row[a0..3 + 1]) from four 16-byte loads: lanes 0 and 2, 1 and 3 share a vector, so one unpack splits each.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe (Vector256<double> Low, Vector256<double> High) Adjacent(double* row, int a0, int a1, int a2, int a3)
        {
            Vector256<double> even = Vector256.Create(Vector128.Load(row + a0), Vector128.Load(row + a2));
            Vector256<double> odd = Vector256.Create(Vector128.Load(row + a1), Vector128.Load(row + a3));
            return (Avx.UnpackLow(even, odd), Avx.UnpackHigh(even, odd));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static unsafe Vector256<double> Gather(double* row, Vector128<int> index) =>
            Avx2.IsSupported
                ? Avx2.GatherVector256(row, index, 8)
                : Vector256.Create(row[index[0]], row[index[1]], row[index[2]], row[index[3]]);
    }

    /// <summary>The four pinned scaled rows of one call.</summary>
    private readonly unsafe struct TapRows(double* r0, double* r1, double* r2, double* r3)
    {
        public double* R0 { get; } = r0;

        public double* R1 { get; } = r1;

        public double* R2 { get; } = r2;

        public double* R3 { get; } = r3;
    }
}
