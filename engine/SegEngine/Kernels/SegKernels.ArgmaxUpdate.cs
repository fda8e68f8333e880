using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>
    /// Folds one more class into a running argmax: effectively, for each i,
    /// if x[i] &gt; best[i] then (runnerUp[i], best[i], winner[i]) = (best[i], x[i], classIndex)
    /// else runnerUp[i] = max(runnerUp[i], x[i]).
    /// Ties keep the earlier (lower) class, as <c>np.argmax</c> does. Inputs must not be NaN.
    /// </summary>
    public static void ArgmaxUpdate(ReadOnlySpan<float> x, float classIndex, Span<float> best, Span<float> runnerUp, Span<float> winner)
    {
        if (best.Length != x.Length)
        {
            ThrowLengthMismatch(nameof(best));
        }

        if (runnerUp.Length != x.Length)
        {
            ThrowLengthMismatch(nameof(runnerUp));
        }

        if (winner.Length != x.Length)
        {
            ThrowLengthMismatch(nameof(winner));
        }

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
                Vector512<float> v = Vector512.LoadUnsafe(ref values, i);
                Vector512<float> b = Vector512.LoadUnsafe(ref bests, i);
                Vector512<float> r = Vector512.LoadUnsafe(ref runnersUp, i);
                Vector512<float> w = Vector512.LoadUnsafe(ref winners, i);
                Vector512<float> wins = Vector512.GreaterThan(v, b);
                Vector512.ConditionalSelect(wins, b, Vector512.Max(r, v)).StoreUnsafe(ref runnersUp, i);
                Vector512.ConditionalSelect(wins, v, b).StoreUnsafe(ref bests, i);
                Vector512.ConditionalSelect(wins, index, w).StoreUnsafe(ref winners, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            Vector256<float> index = Vector256.Create(classIndex);
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref values, i);
                Vector256<float> b = Vector256.LoadUnsafe(ref bests, i);
                Vector256<float> r = Vector256.LoadUnsafe(ref runnersUp, i);
                Vector256<float> w = Vector256.LoadUnsafe(ref winners, i);
                Vector256<float> wins = Vector256.GreaterThan(v, b);
                Vector256.ConditionalSelect(wins, b, Vector256.Max(r, v)).StoreUnsafe(ref runnersUp, i);
                Vector256.ConditionalSelect(wins, v, b).StoreUnsafe(ref bests, i);
                Vector256.ConditionalSelect(wins, index, w).StoreUnsafe(ref winners, i);
            }
        }

        for (; i < length; i++)
        {
            ArgmaxUpdateOperator.Invoke(
                Unsafe.Add(ref values, i), classIndex, ref Unsafe.Add(ref bests, i), ref Unsafe.Add(ref runnersUp, i), ref Unsafe.Add(ref winners, i));
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
