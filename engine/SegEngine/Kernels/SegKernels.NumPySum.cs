namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>The number of elements NumPy hands to one inner reduction loop (its default buffer size, <c>NPY_BUFSIZE</c>).</summary>
    public const int NumPyReductionChunk = 8192;

    /// <summary>
    /// <c>np.sum</c> of a float32 array in C order: effectively acc = 0; for each consecutive 8192-element chunk,
    /// acc = f32(acc + <see cref="PairwiseSum(ReadOnlySpan{float})"/>(chunk)).
    /// </summary>
    /// <remarks>nnunet-parity.md §3.4 (NumPy float32 reductions). An empty span sums to +0.</remarks>
    public static float NumPySum(ReadOnlySpan<float> x) => NumPySum(x, default(IdentityTerm));

    /// <summary>
    /// The sum NumPy's <c>std</c>/<c>var</c> reduces: Σ f32(f32(x − mean)²) in NumPy's chunked pairwise order.
    /// </summary>
    /// <remarks>nnunet-parity.md §3.4: <c>_var</c> materialises <c>arr − mean</c>, squares it in place, then sums like <see cref="NumPySum(ReadOnlySpan{float})"/>.</remarks>
    public static float NumPySumOfSquaredDeviations(ReadOnlySpan<float> x, float mean) => NumPySum(x, new SquaredDeviationTerm(mean));

    /// <summary>The chunked sum with each element first mapped by <paramref name="term"/>.</summary>
    internal static float NumPySum<TTerm>(ReadOnlySpan<float> x, TTerm term)
        where TTerm : struct, IPairwiseTerm
    {
        float accumulator = 0f;
        for (int start = 0; start < x.Length; start += NumPyReductionChunk)
        {
            accumulator += PairwiseSum(x.Slice(start, Math.Min(NumPyReductionChunk, x.Length - start)), term);
        }

        return accumulator;
    }
}
