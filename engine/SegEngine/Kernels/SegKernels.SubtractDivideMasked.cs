using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Effectively destination[i] = mask[i] != 0 ? f32(f32(x[i] − subtrahend) / divisor) : x[i].
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.4, ZScore with <c>use_mask_for_norm</c>: <c>image[mask] = (image[mask] − mean) / max(std, eps)</c>;
    /// voxels outside the mask keep their value bits.
    /// </remarks>
    public static void SubtractDivideMasked(ReadOnlySpan<float> x, ReadOnlySpan<byte> mask, float subtrahend, float divisor, Span<float> destination)
    {
        if (mask.Length != x.Length)
        {
            ThrowLengthMismatch(nameof(mask));
        }

        ValidateUnary(x, destination);
        var op = new SubtractDivideOperator(subtrahend, divisor);
        ref float source = ref MemoryMarshal.GetReference(x);
        ref byte flags = ref MemoryMarshal.GetReference(mask);
        ref float target = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                (Vector128<ushort> low, Vector128<ushort> high) = Vector128.Widen(Vector128.LoadUnsafe(ref flags, i));
                (Vector128<uint> m0, Vector128<uint> m1) = Vector128.Widen(low);
                (Vector128<uint> m2, Vector128<uint> m3) = Vector128.Widen(high);
                Vector512<uint> outside = Vector512.Equals(
                    Vector512.Create(Vector256.Create(m0, m1), Vector256.Create(m2, m3)), Vector512<uint>.Zero);
                Vector512<float> values = Vector512.LoadUnsafe(ref source, i);
                Vector512.ConditionalSelect(outside.AsSingle(), values, op.Invoke(values)).StoreUnsafe(ref target, i);
            }
        }

        for (; i < length; i++)
        {
            destination[(int)i] = mask[(int)i] != 0 ? op.Invoke(x[(int)i]) : x[(int)i];
        }
    }
}
