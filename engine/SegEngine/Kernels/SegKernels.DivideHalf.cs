using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// fp16 division as PyTorch computes it, effectively
    /// <c>destination[i] = (Half)((float)numerator[i] / (float)denominator[i])</c>. A true division, not a reciprocal.
    /// </summary>
    /// <remarks>
    /// nnU-Net: <c>predicted_logits /= n_predictions</c> at the end of the sliding window (nnunet-parity.md §4.4).
    /// <paramref name="destination"/> may be <paramref name="numerator"/> (in place).
    /// </remarks>
    public static void DivideHalf(ReadOnlySpan<Half> numerator, ReadOnlySpan<Half> denominator, Span<Half> destination)
    {
        if (denominator.Length != numerator.Length)
        {
            ThrowLengthMismatch(nameof(denominator), numerator.Length, denominator.Length);
        }

        if (destination.Length != numerator.Length)
        {
            ThrowLengthMismatch(nameof(destination), numerator.Length, destination.Length);
        }

        InvokeHalf(numerator, denominator, default, destination, default(DivideHalfOperator));
    }

    /// <summary>
    /// fp16 division by a scalar, effectively <c>destination[i] = (Half)((float)x[i] / (float)divisor)</c>.
    /// </summary>
    /// <remarks>nnU-Net: <c>prediction /= len(list_of_parameters)</c> after the fp16 fold sum (nnunet-parity.md §4.7).</remarks>
    public static void DivideHalf(ReadOnlySpan<Half> x, Half divisor, Span<Half> destination)
    {
        if (destination.Length != x.Length)
        {
            ThrowLengthMismatch(nameof(destination), x.Length, destination.Length);
        }

        InvokeHalf(x, ReadOnlySpan<Half>.Empty, default, destination, new DivideHalfByScalarOperator((float)divisor));
    }

    /// <summary>x = numerator, y = denominator: <c>x / y</c> in float32.</summary>
    private readonly struct DivideHalfOperator : IHalfOperator
    {
        public static bool ReadsY => true;

        public static bool ReadsZ => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y, float z) => x / y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => x / y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => x / y;
    }

    /// <summary><c>x / divisor</c> in float32, the divisor widened from half once.</summary>
    private readonly struct DivideHalfByScalarOperator(float divisor) : IHalfOperator
    {
        public static bool ReadsY => false;

        public static bool ReadsZ => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y, float z) => x / divisor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => x / Vector256.Create(divisor);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => x / Vector512.Create(divisor);
    }
}
