using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>An elementwise float32 map; the scalar <c>Invoke</c> defines it and the vector overloads must agree bit for bit.</summary>
    internal interface IUnaryFloatOperator
    {
        float Invoke(float x);

        Vector256<float> Invoke(Vector256<float> x);

        Vector512<float> Invoke(Vector512<float> x);
    }

    /// <summary>The loop of every elementwise float32 kernel: Vector512, then Vector256 (down from <see cref="Width"/>), then a scalar tail. In place is allowed.</summary>
    private static void InvokeSpanIntoSpan<TOperator>(ReadOnlySpan<float> x, Span<float> destination, TOperator op)
        where TOperator : struct, IUnaryFloatOperator
    {
        ValidateUnary(x, destination);
        ref float source = ref MemoryMarshal.GetReference(x);
        ref float target = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                op.Invoke(Vector512.LoadUnsafe(ref source, i)).StoreUnsafe(ref target, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                op.Invoke(Vector256.LoadUnsafe(ref source, i)).StoreUnsafe(ref target, i);
            }
        }

        for (; i < length; i++)
        {
            destination[(int)i] = op.Invoke(x[(int)i]);
        }
    }

    private static void ValidateUnary(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length)
        {
            ThrowDestinationTooShort();
        }

        if (x.Overlaps(destination, out int offset) && offset != 0)
        {
            ThrowOverlap();
        }
    }

    [DoesNotReturn]
    private static void ThrowDestinationTooShort() =>
        throw new ArgumentException("the destination is shorter than the input", "destination");

    [DoesNotReturn]
    private static void ThrowOverlap() =>
        throw new ArgumentException("the input and destination overlap at different starts; only in-place use is allowed", "destination");
}
