using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// The cubic B-spline's pole √3 − 2 as SciPy's decimal constant. It is one ulp away from <c>Math.Sqrt(3.0) - 2.0</c>,
    /// and only the constant reproduces SciPy 1.10's <c>spline_filter1d</c> bit for bit (checked against the fixtures).
    /// </summary>
    internal const double CubicPole = -0.267949192431122706472553658494127633;

    /// <summary>SciPy's filter gain (1 − z)(1 − 1/z), evaluated left to right from 1.0 as SciPy does.</summary>
    internal static readonly double CubicGain = 1.0 * (1.0 - CubicPole) * (1.0 - 1.0 / CubicPole);

    /// <summary>Factor of the anticausal initialisation, z / (z − 1).</summary>
    internal static readonly double CubicAnticausalFactor = CubicPole / (CubicPole - 1.0);

    /// <summary>
    /// Cubic B-spline prefilter of one line, in place, in float64: effectively SciPy's <c>spline_filter1d(order=3)</c>
    /// with the "reflect" causal initialisation that mode <c>nearest</c> selects.
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.5 (order 3). The causal initialisation reads <c>line[0]</c> while it is being accumulated at the
    /// last term (SciPy ≤ 1.17 aliasing); that is part of the contract, not a slip.
    /// </remarks>
    public static void CubicSplinePrefilter(Span<double> line)
    {
        int n = line.Length;
        if (n < 2)
        {
            return;
        }

        double z = CubicPole;
        TensorPrimitives.Multiply(line, CubicGain, line);

        double zn = Math.Pow(z, n);
        double c0 = line[0];
        line[0] += zn * line[n - 1];
        double zi = z;
        for (int i = 1; i < n; i++)
        {
            line[0] += zi * (line[i] + zn * line[n - 1 - i]);
            zi *= z;
        }

        line[0] *= z / (1.0 - zn * zn);
        line[0] += c0;

        for (int i = 1; i < n; i++)
        {
            line[i] += z * line[i - 1];
        }

        line[n - 1] *= CubicAnticausalFactor;
        for (int i = n - 2; i >= 0; i--)
        {
            line[i] = z * (line[i + 1] - line[i]);
        }
    }

    /// <summary>
    /// The same prefilter applied to many lines at once: <paramref name="lines"/> holds <paramref name="lineLength"/>
    /// rows of <paramref name="stride"/> elements; lanes [laneStart, laneStart + laneCount) of every row form the lines.
    /// Each lane sees exactly the operations of <see cref="CubicSplinePrefilter"/>, so the results are bit-identical;
    /// the lanes are processed as contiguous row segments, which vectorises.
    /// </summary>
    public static void CubicSplinePrefilterLanes(Span<double> lines, int lineLength, int stride, int laneStart, int laneCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(laneStart);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(laneStart + laneCount, stride);
        if ((long)lineLength * stride > lines.Length)
        {
            throw new ArgumentException($"{lineLength} rows of {stride} exceed the buffer of {lines.Length}", nameof(lines));
        }

        if (lineLength < 2 || laneCount <= 0)
        {
            return;
        }

        double z = CubicPole;
        for (int i = 0; i < lineLength; i++)
        {
            TensorPrimitives.Multiply(RowOf(lines, stride, laneStart, laneCount, i), CubicGain, RowOf(lines, stride, laneStart, laneCount, i));
        }

        CausalInitLanes(lines, lineLength, stride, laneStart, laneCount);

        for (int i = 1; i < lineLength; i++)
        {
            // c[i] = c[i] + z·c[i−1]: one product, one sum, as in the scalar loop.
            TensorPrimitives.MultiplyAdd(RowOf(lines, stride, laneStart, laneCount, i - 1), z, RowOf(lines, stride, laneStart, laneCount, i), RowOf(lines, stride, laneStart, laneCount, i));
        }

        Span<double> last = RowOf(lines, stride, laneStart, laneCount, lineLength - 1);
        TensorPrimitives.Multiply(last, CubicAnticausalFactor, last);
        for (int i = lineLength - 2; i >= 0; i--)
        {
            Span<double> row = RowOf(lines, stride, laneStart, laneCount, i);
            TensorPrimitives.Subtract(RowOf(lines, stride, laneStart, laneCount, i + 1), row, row);
            TensorPrimitives.Multiply(row, z, row);
        }
    }

    /// <summary>Lines per call of <see cref="CubicSplinePrefilterInterleaved"/>: one Vector512 of doubles.</summary>
    public const int InterleavedLines = 8;

    /// <summary>
    /// The prefilter of eight lines stored interleaved (<c>lines[i·8 + lane]</c>, i &lt; <paramref name="lineLength"/>),
    /// one line per Vector512 lane. Every lane sees exactly the operations of <see cref="CubicSplinePrefilter"/>;
    /// eight independent recursions hide the latency that makes the scalar line filter slow.
    /// </summary>
    /// <remarks>
    /// Vector512 is the layout (eight lines), not a choice of width, so there is no Vector256 path: without AVX-512, .NET
    /// runs each Vector512 operation as two Vector256 halves, keeping all eight recursions in flight. Two separate Vector256
    /// passes (lines 0–3, then 4–7) measured 2.3× slower on an AVX2 AMD EPYC.
    /// </remarks>
    public static void CubicSplinePrefilterInterleaved(Span<double> lines, int lineLength)
    {
        int n = lineLength;
        if ((long)n * InterleavedLines > lines.Length)
        {
            throw new ArgumentException($"{n} interleaved rows of {InterleavedLines} exceed the buffer of {lines.Length}", nameof(lines));
        }

        if (n < 2)
        {
            return;
        }

        ref double data = ref MemoryMarshal.GetReference(lines);
        const double z = CubicPole;
        Vector512<double> gain = Vector512.Create(CubicGain);
        for (int i = 0; i < n; i++)
        {
            (Load(ref data, i) * gain).StoreUnsafe(ref data, (nuint)(i * InterleavedLines));
        }

        double zn = Math.Pow(z, n);
        Vector512<double> znv = Vector512.Create(zn);
        Vector512<double> c0 = Load(ref data, 0);
        Vector512<double> first = c0 + znv * Load(ref data, n - 1);
        double zi = z;
        for (int i = 1; i < n; i++)
        {
            // At i = n − 1 the mirrored element is c[0] itself, already holding the partial sum.
            Vector512<double> mirrored = i == n - 1 ? first : Load(ref data, n - 1 - i);
            first += Vector512.Create(zi) * (Load(ref data, i) + znv * mirrored);
            zi *= z;
        }

        first *= Vector512.Create(z / (1.0 - zn * zn));
        first += c0;
        first.StoreUnsafe(ref data, 0);

        Vector512<double> zv = Vector512.Create(z);
        Vector512<double> previous = first;
        for (int i = 1; i < n; i++)
        {
            previous = Load(ref data, i) + zv * previous;
            previous.StoreUnsafe(ref data, (nuint)(i * InterleavedLines));
        }

        Vector512<double> next = previous * Vector512.Create(CubicAnticausalFactor);
        next.StoreUnsafe(ref data, (nuint)((n - 1) * InterleavedLines));
        for (int i = n - 2; i >= 0; i--)
        {
            next = zv * (next - Load(ref data, i));
            next.StoreUnsafe(ref data, (nuint)(i * InterleavedLines));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Load(ref double data, int row) => Vector512.LoadUnsafe(ref data, (nuint)(row * InterleavedLines));

    private const int InitChunk = 256;

    private static void CausalInitLanes(Span<double> lines, int n, int stride, int laneStart, int laneCount)
    {
        Debug.Assert(n >= 2, "callers skip lines shorter than 2");
        Span<double> c0 = stackalloc double[InitChunk];
        Span<double> term = stackalloc double[InitChunk];
        double z = CubicPole;
        double zn = Math.Pow(z, n);
        double factor = z / (1.0 - zn * zn);
        for (int chunkStart = laneStart; chunkStart < laneStart + laneCount; chunkStart += InitChunk)
        {
            int count = Math.Min(InitChunk, laneStart + laneCount - chunkStart);
            Span<double> first = RowOf(lines, stride, chunkStart, count, 0);
            Span<double> original = c0[..count];
            Span<double> sum = term[..count];
            first.CopyTo(original);
            TensorPrimitives.MultiplyAdd(RowOf(lines, stride, chunkStart, count, n - 1), zn, first, first);
            double zi = z;
            for (int i = 1; i < n; i++)
            {
                // sum = c[i] + zn·c[n−1−i]; at i = n−1 that reads the running c[0].
                TensorPrimitives.MultiplyAdd(RowOf(lines, stride, chunkStart, count, n - 1 - i), zn, RowOf(lines, stride, chunkStart, count, i), sum);
                TensorPrimitives.MultiplyAdd(sum, zi, first, first);
                zi *= z;
            }

            TensorPrimitives.Multiply(first, factor, first);
            TensorPrimitives.Add(first, original, first);
        }
    }

    private static Span<double> RowOf(Span<double> lines, int stride, int laneStart, int laneCount, int row) =>
        lines.Slice(row * stride + laneStart, laneCount);
}
