using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Two in-place NumPy passes fused: effectively destination[i] = f32(f32(x[i] − subtrahend) / divisor).
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.4: ZScore (<c>image -= mean; image /= max(std, eps)</c>) and RescaleTo01
    /// (<c>image -= min; image /= max(max, eps)</c>). Each step is one float32 operation, so fusing is exact.
    /// </remarks>
    public static void SubtractDivide(ReadOnlySpan<float> x, float subtrahend, float divisor, Span<float> destination) =>
        InvokeSpanIntoSpan(x, destination, new SubtractDivideOperator(subtrahend, divisor));

    internal readonly struct SubtractDivideOperator(float subtrahend, float divisor) : IUnaryFloatOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => (x - subtrahend) / divisor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x) => (x - Vector256.Create(subtrahend)) / Vector256.Create(divisor);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x) => (x - Vector512.Create(subtrahend)) / Vector512.Create(divisor);
    }
}
