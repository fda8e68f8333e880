using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// fp16 in-place addition as PyTorch computes it, effectively
    /// <c>accumulator[i] = (Half)((float)accumulator[i] + (float)addend[i])</c> (one rounding to half per add).
    /// </summary>
    /// <remarks>
    /// nnU-Net: <c>n_predictions[sl[1:]] += gaussian</c> (nnunet-parity.md §4.4) and the fold sum <c>prediction += fold_prediction</c>
    /// in <c>predict_logits_from_preprocessed_data</c> (nnunet-parity.md §4.7). <paramref name="addend"/> may be the accumulator itself.
    /// </remarks>
    public static void AddHalf(ReadOnlySpan<Half> addend, Span<Half> accumulator)
    {
        if (accumulator.Length != addend.Length)
        {
            ThrowLengthMismatch(nameof(accumulator), addend.Length, accumulator.Length);
        }

        InvokeHalf(accumulator, addend, default, accumulator, default(AddHalfOperator));
    }

    /// <summary>x = accumulator, y = addend: <c>x + y</c> in float32.</summary>
    private readonly struct AddHalfOperator : IHalfOperator
    {
        public static bool ReadsY => true;

        public static bool ReadsZ => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x, float y, float z) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => x + y;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => x + y;
    }
}
