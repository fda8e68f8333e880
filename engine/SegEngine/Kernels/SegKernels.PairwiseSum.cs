using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>NumPy's block size below which the pairwise sum runs eight running sums (<c>PW_BLOCKSIZE</c>).</summary>
    internal const int PairwiseBlockSize = 128;

    /// <summary>
    /// NumPy's float32 pairwise sum of one reduction chunk: effectively computes the sum of <paramref name="x"/> in
    /// the exact order of NumPy's <c>FLOAT_pairwise_sum</c>, every addition rounded to float32.
    /// </summary>
    /// <remarks>
    /// nnunet-parity.md §3.4: fewer than 8 elements add sequentially from +0; up to 128 keep 8 running sums seeded with the
    /// first 8 elements, combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the tail sequentially; longer spans
    /// split at half rounded down to a multiple of 8. NaN and infinities propagate as in IEEE addition.
    /// The 8 running sums are exactly the lanes of one Vector256, so the vector body keeps NumPy's order.
    /// </remarks>
    public static float PairwiseSum(ReadOnlySpan<float> x) => PairwiseSum(x, default(IdentityTerm));

    /// <summary>The pairwise sum with each element first mapped by <paramref name="term"/> (rounded to float32).</summary>
    internal static float PairwiseSum<TTerm>(ReadOnlySpan<float> x, TTerm term)
        where TTerm : struct, IPairwiseTerm
    {
        int n = x.Length;
        if (n < 8)
        {
            float sequential = 0f;
            for (int i = 0; i < n; i++)
            {
                sequential += term.Invoke(x[i]);
            }

            return sequential;
        }

        if (n <= PairwiseBlockSize)
        {
            return PairwiseBlock(x, term);
        }

        int half = n / 2;
        half -= half % 8;
        return PairwiseSum(x[..half], term) + PairwiseSum(x[half..], term);
    }

    private static float PairwiseBlock<TTerm>(ReadOnlySpan<float> x, TTerm term)
        where TTerm : struct, IPairwiseTerm
    {
        int n = x.Length;
        int whole = n - (n % 8);
        ref float start = ref MemoryMarshal.GetReference(x);
        float sum;

        // NumPy's eight running sums are one Vector256; a Vector512 path would need sixteen and change the order.
        if (Width >= VectorWidth.Vector256)
        {
            Vector256<float> running = term.Invoke(Vector256.LoadUnsafe(ref start));
            for (int i = 8; i < whole; i += 8)
            {
                running += term.Invoke(Vector256.LoadUnsafe(ref start, (nuint)i));
            }

            sum = ((running[0] + running[1]) + (running[2] + running[3])) + ((running[4] + running[5]) + (running[6] + running[7]));
        }
        else
        {
            Span<float> r = stackalloc float[8];
            for (int j = 0; j < 8; j++)
            {
                r[j] = term.Invoke(x[j]);
            }

            for (int i = 8; i < whole; i += 8)
            {
                for (int j = 0; j < 8; j++)
                {
                    r[j] += term.Invoke(x[i + j]);
                }
            }

            sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        }

        for (int i = whole; i < n; i++)
        {
            sum += term.Invoke(x[i]);
        }

        return sum;
    }

    /// <summary>The per-element map of a pairwise sum; the scalar <c>Invoke</c> defines it, the vector one must agree.</summary>
    internal interface IPairwiseTerm
    {
        float Invoke(float x);

        Vector256<float> Invoke(Vector256<float> x);
    }

    /// <summary>The elements themselves (<c>np.sum</c>).</summary>
    internal readonly struct IdentityTerm : IPairwiseTerm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x) => x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x) => x;
    }

    /// <summary>
    /// NumPy's <c>_var</c> terms: <c>d = f32(x − mean)</c>, then <c>f32(d·d)</c>, each rounded separately (no fused multiply-add).
    /// </summary>
    internal readonly struct SquaredDeviationTerm(float mean) : IPairwiseTerm
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Invoke(float x)
        {
            float deviation = x - mean;
            return deviation * deviation;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Invoke(Vector256<float> x)
        {
            Vector256<float> deviation = x - Vector256.Create(mean);
            return deviation * deviation;
        }
    }
}
