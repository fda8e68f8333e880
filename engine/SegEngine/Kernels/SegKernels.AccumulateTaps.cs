using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Adds one block of interpolation taps to per-voxel float64 accumulators, keeping SciPy's tap arithmetic:
    /// effectively, for c = 0 .. tapsX − 1 in order and every voxel i,
    /// <c>v = tapValues[c·n + i]; v *= outerWeights[0]; v *= outerWeights[1] …; v *= weightsX[c·n + i]; accumulator[i] += v</c>.
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.5, "N-D combination": SciPy's <c>NI_ZoomShift</c> multiplies each tap by the axis weights in axis
    /// order and adds it to a running sum, taps in lexicographic order. Callers hand in the taps of one (z, y) pair;
    /// the x taps vary fastest, so calling this for (z, y) pairs in lexicographic order reproduces the full sum.
    /// Vectorised across output voxels (lanes), never across taps, so no sum is reordered.
    /// </remarks>
    /// <param name="tapValues">tapsX rows of n source values, row c holding tap c of every voxel.</param>
    /// <param name="weightsX">tapsX rows of n weights along the last axis.</param>
    /// <param name="outerWeights">The voxel-independent weights of the slower axes, in axis order (z then y).</param>
    /// <param name="accumulator">n running sums.</param>
    public static void AccumulateTaps(ReadOnlySpan<double> tapValues, ReadOnlySpan<double> weightsX, ReadOnlySpan<double> outerWeights, Span<double> accumulator)
    {
        int n = accumulator.Length;
        if (tapValues.Length != weightsX.Length)
        {
            throw new ArgumentException($"{tapValues.Length} tap values but {weightsX.Length} weights", nameof(weightsX));
        }

        if (n == 0 || tapValues.Length % n != 0)
        {
            if (n == 0 && tapValues.Length == 0)
            {
                return;
            }

            throw new ArgumentException($"{tapValues.Length} tap values are not a whole number of rows of {n}", nameof(tapValues));
        }

        if (outerWeights.Length > 2)
        {
            throw new ArgumentException($"at most two outer axes, got {outerWeights.Length}", nameof(outerWeights));
        }

        int taps = tapValues.Length / n;
        bool hasFirst = outerWeights.Length > 0;
        bool hasSecond = outerWeights.Length > 1;
        double w0 = hasFirst ? outerWeights[0] : 0.0;
        double w1 = hasSecond ? outerWeights[1] : 0.0;
        ref double acc = ref MemoryMarshal.GetReference(accumulator);
        VectorWidth width = Width;
        for (int c = 0; c < taps; c++)
        {
            ref double values = ref Unsafe.Add(ref MemoryMarshal.GetReference(tapValues), c * n);
            ref double weights = ref Unsafe.Add(ref MemoryMarshal.GetReference(weightsX), c * n);
            int i = 0;
            if (width == VectorWidth.Vector512)
            {
                Vector512<double> v0 = Vector512.Create(w0);
                Vector512<double> v1 = Vector512.Create(w1);
                for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
                {
                    Vector512<double> v = Vector512.LoadUnsafe(ref values, (nuint)i);
                    if (hasFirst)
                    {
                        v *= v0;
                    }

                    if (hasSecond)
                    {
                        v *= v1;
                    }

                    v *= Vector512.LoadUnsafe(ref weights, (nuint)i);
                    (Vector512.LoadUnsafe(ref acc, (nuint)i) + v).StoreUnsafe(ref acc, (nuint)i);
                }
            }

            if (width >= VectorWidth.Vector256)
            {
                Vector256<double> v0 = Vector256.Create(w0);
                Vector256<double> v1 = Vector256.Create(w1);
                for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
                {
                    Vector256<double> v = Vector256.LoadUnsafe(ref values, (nuint)i);
                    if (hasFirst)
                    {
                        v *= v0;
                    }

                    if (hasSecond)
                    {
                        v *= v1;
                    }

                    v *= Vector256.LoadUnsafe(ref weights, (nuint)i);
                    (Vector256.LoadUnsafe(ref acc, (nuint)i) + v).StoreUnsafe(ref acc, (nuint)i);
                }
            }

            for (; i < n; i++)
            {
                double v = Unsafe.Add(ref values, i);
                if (hasFirst)
                {
                    v *= w0;
                }

                if (hasSecond)
                {
                    v *= w1;
                }

                v *= Unsafe.Add(ref weights, i);
                Unsafe.Add(ref acc, i) += v;
            }
        }
    }
}
