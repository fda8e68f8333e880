using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
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
    /// The loop of every fp16 kernel, written once: two vectors of halves at a time are widened in registers
    /// (<see cref="HalfLanes"/>), mapped by the operator and narrowed back, Vector512 then Vector256 (down from
    /// <see cref="Width"/>), then a scalar tail with the same conversions one at a time. Callers validate lengths; <paramref name="destination"/>
    /// may be <paramref name="x"/> or <paramref name="y"/> (in place), because each step loads before it stores.
    /// </summary>
    /// <remarks>
    /// No staging arrays: on the sliding window's short rows the staging through float buffers cost more than the
    /// arithmetic. Each width's loop is its own method because one method holding both ran out of the JIT's inlining
    /// budget and called the conversions in the Vector256 loop.
    /// </remarks>
    private static void InvokeHalf<TOperator>(ReadOnlySpan<Half> x, ReadOnlySpan<Half> y, ReadOnlySpan<float> z, Span<Half> destination, TOperator op)
        where TOperator : struct, IHalfOperator
    {
        Debug.Assert(destination.Length == x.Length, "callers validate the destination");
        Debug.Assert(!TOperator.ReadsY || y.Length == x.Length, "callers validate y");
        Debug.Assert(!TOperator.ReadsZ || z.Length == x.Length, "callers validate z");
        var operands = new HalfOperands(x, y, z, destination);
        VectorWidth width = Width;
        nuint i = 0;
        if (width == VectorWidth.Vector512)
        {
            i = InvokeHalf512(operands, op);
        }

        if (width >= VectorWidth.Vector256)
        {
            i = InvokeHalf256(operands, i, op);
        }

        for (; i < operands.Length; i++)
        {
            float value = op.Invoke(
                HalfLanes.ToSingle(Unsafe.Add(ref operands.X, i)),
                TOperator.ReadsY ? HalfLanes.ToSingle(Unsafe.Add(ref operands.Y, i)) : 0f,
                TOperator.ReadsZ ? Unsafe.Add(ref operands.Z, i) : 0f);
            Unsafe.Add(ref operands.Destination, i) = HalfLanes.ToHalfBits(value);
        }
    }

    /// <summary>The Vector512 steps from the start; returns where they stopped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint InvokeHalf512<TOperator>(HalfOperands operands, TOperator op)
        where TOperator : struct, IHalfOperator
    {
        nuint lanes = (nuint)Vector512<float>.Count;
        nuint i = 0;
        for (; i + (2 * lanes) <= operands.Length; i += 2 * lanes)
        {
            (Vector512<float> x0, Vector512<float> x1) = HalfLanes.Load512(ref operands.X, i);
            (Vector512<float> y0, Vector512<float> y1) = TOperator.ReadsY ? HalfLanes.Load512(ref operands.Y, i) : default;
            Vector512<float> z0 = TOperator.ReadsZ ? Vector512.LoadUnsafe(ref operands.Z, i) : default;
            Vector512<float> z1 = TOperator.ReadsZ ? Vector512.LoadUnsafe(ref operands.Z, i + lanes) : default;
            HalfLanes.Store512(op.Invoke(x0, y0, z0), op.Invoke(x1, y1, z1), ref operands.Destination, i);
        }

        return i;
    }

    /// <summary>The Vector256 steps from <paramref name="start"/>; returns where they stopped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint InvokeHalf256<TOperator>(HalfOperands operands, nuint start, TOperator op)
        where TOperator : struct, IHalfOperator
    {
        nuint lanes = (nuint)Vector256<float>.Count;
        nuint i = start;
        for (; i + (2 * lanes) <= operands.Length; i += 2 * lanes)
        {
            (Vector256<float> x0, Vector256<float> x1) = HalfLanes.Load256(ref operands.X, i);
            (Vector256<float> y0, Vector256<float> y1) = TOperator.ReadsY ? HalfLanes.Load256(ref operands.Y, i) : default;
            Vector256<float> z0 = TOperator.ReadsZ ? Vector256.LoadUnsafe(ref operands.Z, i) : default;
            Vector256<float> z1 = TOperator.ReadsZ ? Vector256.LoadUnsafe(ref operands.Z, i + lanes) : default;
            HalfLanes.Store256(op.Invoke(x0, y0, z0), op.Invoke(x1, y1, z1), ref operands.Destination, i);
        }

        return i;
    }

    /// <summary>The operands of one <see cref="InvokeHalf"/> call as references, halves as their bits.</summary>
    private readonly ref struct HalfOperands(ReadOnlySpan<Half> x, ReadOnlySpan<Half> y, ReadOnlySpan<float> z, Span<Half> destination)
    {
        public readonly ref ushort X = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(x));

        public readonly ref ushort Y = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(y));

        public readonly ref float Z = ref MemoryMarshal.GetReference(z);

        public readonly ref ushort Destination = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(destination));

        public readonly nuint Length = (nuint)x.Length;
    }
}
