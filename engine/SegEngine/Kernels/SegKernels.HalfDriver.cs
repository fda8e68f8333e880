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
    /// <see cref="Width"/>), then a scalar tail with the same conversions one at a time. Callers validate lengths;
    /// <paramref name="destination"/> may be <paramref name="x"/> or <paramref name="y"/> (in place), because each step
    /// loads before it stores.
    /// </summary>
    /// <remarks>
    /// No staging arrays: on the sliding window's short rows the staging through float buffers cost more than the
    /// arithmetic. Each width's loop is its own method because one method holding both ran out of the JIT's inlining
    /// budget and called the conversions in the Vector256 loop.
    /// </remarks>
    private static void InvokeHalf<TOperator>(ReadOnlySpan<Half> x, ReadOnlySpan<Half> y, ReadOnlySpan<float> z, Span<Half> destination, TOperator op)
        where TOperator : struct, IHalfOperator =>
        InvokeHalf(new HalfOperands<ushort>(x, MemoryMarshal.Cast<Half, ushort>(y), z, destination), op);

    /// <summary><see cref="InvokeHalf{TOperator}(ReadOnlySpan{Half}, ReadOnlySpan{Half}, ReadOnlySpan{float}, Span{Half}, TOperator)"/> with <paramref name="y"/> already widened to float32 (exact, so the same result).</summary>
    private static void InvokeHalf<TOperator>(ReadOnlySpan<Half> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<Half> destination, TOperator op)
        where TOperator : struct, IHalfOperator =>
        InvokeHalf(new HalfOperands<float>(x, y, z, destination), op);

    /// <summary>The driver's body, for y as half bits (<see cref="ushort"/>) or as float32.</summary>
    private static void InvokeHalf<TOperator, TY>(HalfOperands<TY> operands, TOperator op)
        where TOperator : struct, IHalfOperator
        where TY : unmanaged
    {
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
                TOperator.ReadsY ? operands.LoadY(i) : 0f,
                TOperator.ReadsZ ? Unsafe.Add(ref operands.Z, i) : 0f);
            Unsafe.Add(ref operands.Destination, i) = HalfLanes.ToHalfBits(value);
        }
    }

    /// <summary>The Vector512 steps from the start; returns where they stopped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint InvokeHalf512<TOperator, TY>(HalfOperands<TY> operands, TOperator op)
        where TOperator : struct, IHalfOperator
        where TY : unmanaged
    {
        nuint lanes = (nuint)Vector512<float>.Count;
        nuint i = 0;
        for (; i + (2 * lanes) <= operands.Length; i += 2 * lanes)
        {
            (Vector512<float> x0, Vector512<float> x1) = HalfLanes.Load512(ref operands.X, i);
            (Vector512<float> y0, Vector512<float> y1) = TOperator.ReadsY ? operands.LoadY512(i) : default;
            Vector512<float> z0 = TOperator.ReadsZ ? Vector512.LoadUnsafe(ref operands.Z, i) : default;
            Vector512<float> z1 = TOperator.ReadsZ ? Vector512.LoadUnsafe(ref operands.Z, i + lanes) : default;
            HalfLanes.Store512(op.Invoke(x0, y0, z0), op.Invoke(x1, y1, z1), ref operands.Destination, i);
        }

        return i;
    }

    /// <summary>The Vector256 steps from <paramref name="start"/>; returns where they stopped.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nuint InvokeHalf256<TOperator, TY>(HalfOperands<TY> operands, nuint start, TOperator op)
        where TOperator : struct, IHalfOperator
        where TY : unmanaged
    {
        nuint lanes = (nuint)Vector256<float>.Count;
        nuint i = start;
        for (; i + (2 * lanes) <= operands.Length; i += 2 * lanes)
        {
            (Vector256<float> x0, Vector256<float> x1) = HalfLanes.Load256(ref operands.X, i);
            (Vector256<float> y0, Vector256<float> y1) = TOperator.ReadsY ? operands.LoadY256(i) : default;
            Vector256<float> z0 = TOperator.ReadsZ ? Vector256.LoadUnsafe(ref operands.Z, i) : default;
            Vector256<float> z1 = TOperator.ReadsZ ? Vector256.LoadUnsafe(ref operands.Z, i + lanes) : default;
            HalfLanes.Store256(op.Invoke(x0, y0, z0), op.Invoke(x1, y1, z1), ref operands.Destination, i);
        }

        return i;
    }

    /// <summary>
    /// The operands of one <see cref="InvokeHalf{TOperator, TY}"/> call as references, halves as their bits; y is half
    /// bits (<typeparamref name="TY"/> = <see cref="ushort"/>) or float32, the branch on the type folded away by the JIT.
    /// </summary>
    private readonly ref struct HalfOperands<TY>(ReadOnlySpan<Half> x, ReadOnlySpan<TY> y, ReadOnlySpan<float> z, Span<Half> destination)
        where TY : unmanaged
    {
        public readonly ref ushort X = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(x));

        public readonly ref TY Y = ref MemoryMarshal.GetReference(y);

        public readonly ref float Z = ref MemoryMarshal.GetReference(z);

        public readonly ref ushort Destination = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(destination));

        public readonly nuint Length = (nuint)x.Length;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float LoadY(nuint i) => typeof(TY) == typeof(float)
            ? Unsafe.Add(ref Unsafe.As<TY, float>(ref Y), i)
            : HalfLanes.ToSingle(Unsafe.Add(ref Unsafe.As<TY, ushort>(ref Y), i));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector256<float> Lower, Vector256<float> Upper) LoadY256(nuint i) => typeof(TY) == typeof(float)
            ? (Vector256.LoadUnsafe(ref Unsafe.As<TY, float>(ref Y), i), Vector256.LoadUnsafe(ref Unsafe.As<TY, float>(ref Y), i + (nuint)Vector256<float>.Count))
            : HalfLanes.Load256(ref Unsafe.As<TY, ushort>(ref Y), i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (Vector512<float> Lower, Vector512<float> Upper) LoadY512(nuint i) => typeof(TY) == typeof(float)
            ? (Vector512.LoadUnsafe(ref Unsafe.As<TY, float>(ref Y), i), Vector512.LoadUnsafe(ref Unsafe.As<TY, float>(ref Y), i + (nuint)Vector512<float>.Count))
            : HalfLanes.Load512(ref Unsafe.As<TY, ushort>(ref Y), i);
    }
}
