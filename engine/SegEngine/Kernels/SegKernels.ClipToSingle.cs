using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// NumPy's <c>np.clip(x, min, max)</c> on float64 followed by <c>astype(float32)</c>: effectively
    /// <c>y = x &gt; min || NaN(x) ? x : min; y = y &lt; max || NaN(y) ? y : max; destination[i] = (float)y</c>
    /// (round to nearest even). NaN passes through; a +0 result clipped at a −0 minimum becomes −0, as in NumPy.
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.5: skimage's <c>_clip_warp_output</c>, then storing into the float32 output array. Each vector step
    /// clips two vectors of doubles and narrows them into one vector of floats (the same rounding as the scalar cast).
    /// </remarks>
    public static void ClipToSingle(ReadOnlySpan<double> x, double min, double max, Span<float> destination)
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} elements, {x.Length} needed", nameof(destination));
        }

        ref double source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            Vector512<double> lo = Vector512.Create(min);
            Vector512<double> hi = Vector512.Create(max);
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                Vector512<double> a = Clip(Vector512.LoadUnsafe(ref source, i), lo, hi);
                Vector512<double> b = Clip(Vector512.LoadUnsafe(ref source, i + (nuint)Vector512<double>.Count), lo, hi);
                Vector512.Narrow(a, b).StoreUnsafe(ref target, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<double> lo = Vector256.Create(min);
            Vector256<double> hi = Vector256.Create(max);
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                Vector256<double> a = Clip(Vector256.LoadUnsafe(ref source, i), lo, hi);
                Vector256<double> b = Clip(Vector256.LoadUnsafe(ref source, i + (nuint)Vector256<double>.Count), lo, hi);
                Vector256.Narrow(a, b).StoreUnsafe(ref target, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref target, i) = (float)Clip(Unsafe.Add(ref source, i), min, max);
        }
    }

    /// <summary>NumPy's scalar clip: <c>_NPY_MIN(_NPY_MAX(x, min), max)</c> with NaN propagation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Clip(double x, double min, double max)
    {
        double y = x > min || double.IsNaN(x) ? x : min;
        return y < max || double.IsNaN(y) ? y : max;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Clip(Vector512<double> x, Vector512<double> min, Vector512<double> max)
    {
        Vector512<double> y = Vector512.ConditionalSelect(Vector512.GreaterThan(x, min) | ~Vector512.Equals(x, x), x, min);
        return Vector512.ConditionalSelect(Vector512.LessThan(y, max) | ~Vector512.Equals(y, y), y, max);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Clip(Vector256<double> x, Vector256<double> min, Vector256<double> max)
    {
        Vector256<double> y = Vector256.ConditionalSelect(Vector256.GreaterThan(x, min) | ~Vector256.Equals(x, x), x, min);
        return Vector256.ConditionalSelect(Vector256.LessThan(y, max) | ~Vector256.Equals(y, y), y, max);
    }
}
