using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// One level of torch's nested linear interpolation (NCHW/NCDHW CPU kernel): destination[i] = fma(a[i], w0, f32(b[i]·w1)),
    /// the contraction GCC makes of <c>t0 * w0 + t1 * w1</c> in torch 1.13's AVX2 build.
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.5 (torch resampling). The fused multiply-add is part of the contract: a separately rounded
    /// product gives different bits. In-place use (destination = a or b) is allowed.
    /// </remarks>
    public static void TorchBlend(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float w0, float w1, Span<float> destination)
    {
        if (b.Length != a.Length || destination.Length < a.Length)
        {
            ThrowDestinationTooShort();
        }

        ref float left = ref MemoryMarshal.GetReference(a);
        ref float right = ref MemoryMarshal.GetReference(b);
        ref float target = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)a.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            Vector512<float> v0 = Vector512.Create(w0), v1 = Vector512.Create(w1);
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref left, i), v0, Vector512.LoadUnsafe(ref right, i) * v1).StoreUnsafe(ref target, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<float> v0 = Vector256.Create(w0), v1 = Vector256.Create(w1);
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref left, i), v0, Vector256.LoadUnsafe(ref right, i) * v1).StoreUnsafe(ref target, i);
            }
        }

        for (; i < length; i++)
        {
            destination[(int)i] = MathF.FusedMultiplyAdd(a[(int)i], w0, b[(int)i] * w1);
        }
    }
}
