using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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

        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> index = Vector256.Create(classIndex);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                Vector256<float> b = Vector256.Create(best.Slice(i, Vector256<float>.Count));
                Vector256<float> r = Vector256.Create(runnerUp.Slice(i, Vector256<float>.Count));
                Vector256<float> w = Vector256.Create(winner.Slice(i, Vector256<float>.Count));
                Vector256<float> wins = Vector256.GreaterThan(v, b);
                Vector256.ConditionalSelect(wins, b, Vector256.Max(r, v)).CopyTo(runnerUp.Slice(i));
                Vector256.ConditionalSelect(wins, v, b).CopyTo(best.Slice(i));
                Vector256.ConditionalSelect(wins, index, w).CopyTo(winner.Slice(i));
            }
        }

        for (; i < x.Length; i++)
        {
            ArgmaxUpdateOperator.Invoke(x[i], classIndex, ref best[i], ref runnerUp[i], ref winner[i]);
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
