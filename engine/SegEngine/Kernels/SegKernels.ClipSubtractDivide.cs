using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// CTNormalization's three in-place NumPy passes fused: effectively destination[i] =
    /// f32(f32(clip(x[i], lower, upper) − subtrahend) / divisor), with NumPy's clip: NaN stays NaN, then
    /// <c>max</c> as (x &gt; lower ? x : lower) and <c>min</c> as (t &lt; upper ? t : upper).
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.4 (<c>np.clip(image, p00_5, p99_5, out=image); image -= mean; image /= std</c>). Fusing keeps every
    /// rounding because each step is a single float32 operation. True division, never multiplication by a reciprocal.
    /// </remarks>
    public static void ClipSubtractDivide(ReadOnlySpan<float> x, float lower, float upper, float subtrahend, float divisor, Span<float> destination) =>
        InvokeSpanIntoSpan(x, destination, new ClipSubtractDivideOperator(lower, upper, subtrahend, divisor));

    private readonly struct ClipSubtractDivideOperator(float lower, float upper, float subtrahend, float divisor) : IUnaryFloatOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x)
        {
            float raised = float.IsNaN(x) || x > lower ? x : lower;
            float clipped = float.IsNaN(raised) || raised < upper ? raised : upper;
            return (clipped - subtrahend) / divisor;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x)
        {
            Vector256<float> raised = Vector256.ConditionalSelect(
                Vector256.GreaterThan(x, Vector256.Create(lower)) | ~Vector256.Equals(x, x), x, Vector256.Create(lower));
            Vector256<float> clipped = Vector256.ConditionalSelect(
                Vector256.LessThan(raised, Vector256.Create(upper)) | ~Vector256.Equals(raised, raised), raised, Vector256.Create(upper));
            return (clipped - Vector256.Create(subtrahend)) / Vector256.Create(divisor);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x)
        {
            Vector512<float> raised = Vector512.ConditionalSelect(
                Vector512.GreaterThan(x, Vector512.Create(lower)) | ~Vector512.Equals(x, x), x, Vector512.Create(lower));
            Vector512<float> clipped = Vector512.ConditionalSelect(
                Vector512.LessThan(raised, Vector512.Create(upper)) | ~Vector512.Equals(raised, raised), raised, Vector512.Create(upper));
            return (clipped - Vector512.Create(subtrahend)) / Vector512.Create(divisor);
        }
    }
}
