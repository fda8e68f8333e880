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
    /// <remarks>Contract §3.5: skimage's <c>_clip_warp_output</c>, then storing into the float32 output array.</remarks>
    public static void ClipToSingle(ReadOnlySpan<double> x, double min, double max, Span<float> destination)
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} elements, {x.Length} needed", nameof(destination));
        }

        int n = x.Length;
        int i = 0;
        ref double source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> lo = Vector512.Create(min);
            Vector512<double> hi = Vector512.Create(max);
            for (; i <= n - 2 * Vector512<double>.Count; i += 2 * Vector512<double>.Count)
            {
                Vector512<double> a = Clip(Vector512.LoadUnsafe(ref source, (nuint)i), lo, hi);
                Vector512<double> b = Clip(Vector512.LoadUnsafe(ref source, (nuint)(i + Vector512<double>.Count)), lo, hi);
                Vector512.Narrow(a, b).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < n; i++)
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
}
