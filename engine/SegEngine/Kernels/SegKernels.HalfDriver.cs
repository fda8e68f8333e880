using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>Elements converted per step of the fp16 driver: small enough for the stack, a multiple of every vector width.</summary>
    private const int HalfChunk = 256;

    /// <summary>
    /// An elementwise fp16 kernel computed in float32, as PyTorch computes fp16 on the CPU: effectively
    /// <c>destination[i] = (Half)Invoke((float)x[i], (float)y[i], z[i])</c>, one rounding to half per element.
    /// The scalar <c>Invoke</c> defines it; the vector overloads must agree with it bit for bit, lane by lane.
    /// </summary>
    internal interface IHalfOperator
    {
        /// <summary>Whether <c>Invoke</c> reads the second fp16 operand; if not, the driver neither converts nor loads it.</summary>
        static abstract bool ReadsY { get; }

        /// <summary>Whether <c>Invoke</c> reads the fp32 operand.</summary>
        static abstract bool ReadsZ { get; }

        float Invoke(float x, float y, float z);

        Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z);

        Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z);
    }

    /// <summary>
    /// The loop of every fp16 kernel, written once. Chunks of <see cref="HalfChunk"/> are widened to float32 on the stack,
    /// mapped by the operator with Vector512, then Vector256 (down from <see cref="Width"/>), then a scalar tail, and
    /// narrowed back to half. Callers validate lengths; <paramref name="destination"/> may be <paramref name="x"/> or
    /// <paramref name="y"/> (in place), because a chunk is read completely before it is written.
    /// </summary>
    /// <remarks>
    /// The conversions are TensorPrimitives' at every width, as before this driver: they round exactly like the
    /// <c>(Half)</c> cast but may drop a NaN's payload where the cast keeps it, so NaN bits do not depend on the width.
    /// </remarks>
    [SkipLocalsInit]
    private static void InvokeHalf<TOperator>(ReadOnlySpan<Half> x, ReadOnlySpan<Half> y, ReadOnlySpan<float> z, Span<Half> destination, TOperator op)
        where TOperator : struct, IHalfOperator
    {
        Debug.Assert(destination.Length == x.Length, "callers validate the destination");
        Debug.Assert(!TOperator.ReadsY || y.Length == x.Length, "callers validate y");
        Debug.Assert(!TOperator.ReadsZ || z.Length == x.Length, "callers validate z");
        VectorWidth width = Width;

        // Every element of a chunk's buffers is written before it is read, so they need no zeroing.
        Span<float> wideX = stackalloc float[HalfChunk];
        Span<float> wideY = stackalloc float[HalfChunk];
        for (int start = 0; start < x.Length; start += HalfChunk)
        {
            int count = Math.Min(HalfChunk, x.Length - start);
            Span<float> chunk = wideX[..count];
            TensorPrimitives.ConvertToSingle(x.Slice(start, count), chunk);
            if (TOperator.ReadsY)
            {
                TensorPrimitives.ConvertToSingle(y.Slice(start, count), wideY[..count]);
            }

            InvokeFloatChunk(chunk, wideY, TOperator.ReadsZ ? z.Slice(start, count) : default, width, op);
            TensorPrimitives.ConvertToHalf(chunk, destination.Slice(start, count));
        }
    }

    /// <summary><c>x[i] = op.Invoke(x[i], y[i], z[i])</c> over one widened chunk, widest vectors first; y and z only if the operator reads them.</summary>
    private static void InvokeFloatChunk<TOperator>(Span<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, VectorWidth width, TOperator op)
        where TOperator : struct, IHalfOperator
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float zs = ref MemoryMarshal.GetReference(z);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        if (width == VectorWidth.Vector512)
        {
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                op.Invoke(
                    Vector512.LoadUnsafe(ref xs, i),
                    TOperator.ReadsY ? Vector512.LoadUnsafe(ref ys, i) : default,
                    TOperator.ReadsZ ? Vector512.LoadUnsafe(ref zs, i) : default).StoreUnsafe(ref xs, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                op.Invoke(
                    Vector256.LoadUnsafe(ref xs, i),
                    TOperator.ReadsY ? Vector256.LoadUnsafe(ref ys, i) : default,
                    TOperator.ReadsZ ? Vector256.LoadUnsafe(ref zs, i) : default).StoreUnsafe(ref xs, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref xs, i) = op.Invoke(
                Unsafe.Add(ref xs, i), TOperator.ReadsY ? Unsafe.Add(ref ys, i) : 0f, TOperator.ReadsZ ? Unsafe.Add(ref zs, i) : 0f);
        }
    }
}
