using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>A half's exponent bits: all set for infinities and NaNs only.</summary>
    private const ushort HalfExponentBits = 0x7C00;

    /// <summary>
    /// Folds one more class into a running argmax: effectively, for each i,
    /// if x[i] &gt; best[i] then (runnerUp[i], best[i], winner[i]) = (best[i], x[i], classIndex)
    /// else runnerUp[i] = max(runnerUp[i], x[i]).
    /// Ties keep the earlier (lower) class, as <c>np.argmax</c> does. Inputs must not be NaN.
    /// </summary>
    public static void ArgmaxUpdate(ReadOnlySpan<float> x, float classIndex, Span<float> best, Span<float> runnerUp, Span<float> winner)
    {
        ValidateArgmaxState(x.Length, best, runnerUp, winner);

        ref float values = ref MemoryMarshal.GetReference(x);
        ref float bests = ref MemoryMarshal.GetReference(best);
        ref float runnersUp = ref MemoryMarshal.GetReference(runnerUp);
        ref float winners = ref MemoryMarshal.GetReference(winner);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            Vector512<float> index = Vector512.Create(classIndex);
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                ArgmaxStep(Vector512.LoadUnsafe(ref values, i), index, ref bests, ref runnersUp, ref winners, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<float> index = Vector256.Create(classIndex);
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                ArgmaxStep(Vector256.LoadUnsafe(ref values, i), index, ref bests, ref runnersUp, ref winners, i);
            }
        }

        for (; i < length; i++)
        {
            ArgmaxUpdateOperator.Invoke(
                Unsafe.Add(ref values, i), classIndex, ref Unsafe.Add(ref bests, i), ref Unsafe.Add(ref runnersUp, i), ref Unsafe.Add(ref winners, i));
        }
    }

    /// <summary>
    /// <see cref="ArgmaxUpdate"/> on fp16 values, widened in registers (<see cref="HalfLanes"/>): the export's slice
    /// summary reads each class row once, with no float copy. Returns false if any value is NaN or infinite (the
    /// caller rejects the logits; the state is then meaningless).
    /// </summary>
    public static bool ArgmaxUpdateHalf(ReadOnlySpan<Half> x, float classIndex, Span<float> best, Span<float> runnerUp, Span<float> winner)
    {
        ValidateArgmaxState(x.Length, best, runnerUp, winner);

        ref ushort values = ref MemoryMarshal.GetReference(MemoryMarshal.Cast<Half, ushort>(x));
        ref float bests = ref MemoryMarshal.GetReference(best);
        ref float runnersUp = ref MemoryMarshal.GetReference(runnerUp);
        ref float winners = ref MemoryMarshal.GetReference(winner);
        nuint length = (nuint)x.Length;
        nuint i = 0;
        bool finite = true;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            Vector512<float> index = Vector512.Create(classIndex);
            Vector512<ushort> exponents = Vector512<ushort>.Zero;
            nuint lanes = (nuint)Vector512<float>.Count;
            for (; i + (2 * lanes) <= length; i += 2 * lanes)
            {
                Vector512<ushort> bits = Vector512.LoadUnsafe(ref values, i);
                exponents |= Vector512.Equals(bits & Vector512.Create(HalfExponentBits), Vector512.Create(HalfExponentBits));
                (Vector512<uint> lower, Vector512<uint> upper) = Vector512.Widen(bits);
                ArgmaxStep(HalfLanes.ToSingle(lower), index, ref bests, ref runnersUp, ref winners, i);
                ArgmaxStep(HalfLanes.ToSingle(upper), index, ref bests, ref runnersUp, ref winners, i + lanes);
            }

            finite = exponents == Vector512<ushort>.Zero;
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<float> index = Vector256.Create(classIndex);
            Vector256<ushort> exponents = Vector256<ushort>.Zero;
            nuint lanes = (nuint)Vector256<float>.Count;
            for (; i + (2 * lanes) <= length; i += 2 * lanes)
            {
                Vector256<ushort> bits = Vector256.LoadUnsafe(ref values, i);
                exponents |= Vector256.Equals(bits & Vector256.Create(HalfExponentBits), Vector256.Create(HalfExponentBits));
                (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(bits);
                ArgmaxStep(HalfLanes.ToSingle(lower), index, ref bests, ref runnersUp, ref winners, i);
                ArgmaxStep(HalfLanes.ToSingle(upper), index, ref bests, ref runnersUp, ref winners, i + lanes);
            }

            finite &= exponents == Vector256<ushort>.Zero;
        }

        for (; i < length; i++)
        {
            ushort bits = Unsafe.Add(ref values, i);
            finite &= (bits & HalfExponentBits) != HalfExponentBits;
            ArgmaxUpdateOperator.Invoke(
                HalfLanes.ToSingle(bits), classIndex, ref Unsafe.Add(ref bests, i), ref Unsafe.Add(ref runnersUp, i), ref Unsafe.Add(ref winners, i));
        }

        return finite;
    }

    /// <summary>One vector of <see cref="ArgmaxUpdateOperator"/> at element <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ArgmaxStep(Vector256<float> v, Vector256<float> index, ref float bests, ref float runnersUp, ref float winners, nuint i)
    {
        Vector256<float> b = Vector256.LoadUnsafe(ref bests, i);
        Vector256<float> r = Vector256.LoadUnsafe(ref runnersUp, i);
        Vector256<float> w = Vector256.LoadUnsafe(ref winners, i);
        Vector256<float> wins = Vector256.GreaterThan(v, b);
        Vector256.ConditionalSelect(wins, b, Vector256.Max(r, v)).StoreUnsafe(ref runnersUp, i);
        Vector256.ConditionalSelect(wins, v, b).StoreUnsafe(ref bests, i);
        Vector256.ConditionalSelect(wins, index, w).StoreUnsafe(ref winners, i);
    }

    /// <summary>One vector of <see cref="ArgmaxUpdateOperator"/> at element <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ArgmaxStep(Vector512<float> v, Vector512<float> index, ref float bests, ref float runnersUp, ref float winners, nuint i)
    {
        Vector512<float> b = Vector512.LoadUnsafe(ref bests, i);
        Vector512<float> r = Vector512.LoadUnsafe(ref runnersUp, i);
        Vector512<float> w = Vector512.LoadUnsafe(ref winners, i);
        Vector512<float> wins = Vector512.GreaterThan(v, b);
        Vector512.ConditionalSelect(wins, b, Vector512.Max(r, v)).StoreUnsafe(ref runnersUp, i);
        Vector512.ConditionalSelect(wins, v, b).StoreUnsafe(ref bests, i);
        Vector512.ConditionalSelect(wins, index, w).StoreUnsafe(ref winners, i);
    }

    private static void ValidateArgmaxState(int length, Span<float> best, Span<float> runnerUp, Span<float> winner)
    {
        if (best.Length != length)
        {
            ThrowLengthMismatch(nameof(best));
        }

        if (runnerUp.Length != length)
        {
            ThrowLengthMismatch(nameof(runnerUp));
        }

        if (winner.Length != length)
        {
            ThrowLengthMismatch(nameof(winner));
        }
    }

    /// <summary>The scalar definition of <see cref="ArgmaxUpdate"/>.</summary>
    internal readonly struct ArgmaxUpdateOperator
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Invoke(float x, float classIndex, ref float best, ref float runnerUp, ref float winner)
        {
            if (x > best)
            {
                runnerUp = best;
                best = x;
                winner = classIndex;
            }
            else
            {
                runnerUp = Math.Max(runnerUp, x);
            }
        }
    }
}
