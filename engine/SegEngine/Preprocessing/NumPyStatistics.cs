using System.Buffers;
using SegEngine.Kernels;

namespace SegEngine.Preprocessing;

/// <summary>
/// NumPy 1.24's float32 <c>ndarray.mean()</c> and <c>ndarray.std()</c>, bit for bit (nnunet-parity.md §3.4).
/// </summary>
/// <remarks>
/// <c>_mean</c> divides the float32 sum by the count in float64 and rounds to float32; <c>_var</c> divides its float32
/// sum by the count in float32 (an array ufunc), subtracts, squares, sums, divides in float64 and rounds, and <c>std</c>
/// is the float32 square root. The per-chunk pairwise sums are independent, so they run in parallel and are then
/// accumulated in NumPy's order.
/// </remarks>
internal static class NumPyStatistics
{
    /// <summary>Chunks per parallel work item (4 Mi elements): large enough to amortise scheduling.</summary>
    private const int ChunksPerWorkItem = 512;

    public static (float Mean, float Std) MeanAndStd(ReadOnlyMemory<float> x)
    {
        float sum = ParallelChunkedSum(x, default(SegKernels.IdentityTerm));
        float varianceMean = sum / x.Length;
        float squares = ParallelChunkedSum(x, new SegKernels.SquaredDeviationTerm(varianceMean));
        return Finish(sum, squares, x.Length);
    }

    /// <summary>The statistics of <c>x[mask]</c>, NumPy's masked 1-D copy, streamed through one chunk of scratch.</summary>
    public static (float Mean, float Std) MaskedMeanAndStd(ReadOnlySpan<float> x, ReadOnlySpan<byte> mask)
    {
        float[] scratch = ArrayPool<float>.Shared.Rent(SegKernels.NumPyReductionChunk);
        try
        {
            Span<float> chunk = scratch.AsSpan(0, SegKernels.NumPyReductionChunk);
            (float sum, long count) = MaskedChunkedSum(x, mask, chunk, default(SegKernels.IdentityTerm));
            float varianceMean = sum / count;
            (float squares, _) = MaskedChunkedSum(x, mask, chunk, new SegKernels.SquaredDeviationTerm(varianceMean));
            return Finish(sum, squares, count);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private static (float Mean, float Std) Finish(float sum, float squares, long count)
    {
        float mean = (float)((double)sum / count);
        float variance = (float)((double)squares / count);
        return (mean, MathF.Sqrt(variance));
    }

    private static float ParallelChunkedSum<TTerm>(ReadOnlyMemory<float> x, TTerm term)
        where TTerm : struct, SegKernels.IPairwiseTerm
    {
        int chunkCount = (int)(((long)x.Length + SegKernels.NumPyReductionChunk - 1) / SegKernels.NumPyReductionChunk);
        if (chunkCount <= ChunksPerWorkItem)
        {
            return SegKernels.NumPySum(x.Span, term);
        }

        float[] partials = ArrayPool<float>.Shared.Rent(chunkCount);
        try
        {
            int workItems = (chunkCount + ChunksPerWorkItem - 1) / ChunksPerWorkItem;
            Parallel.For(0, workItems, item =>
            {
                ReadOnlySpan<float> values = x.Span;
                int firstChunk = item * ChunksPerWorkItem;
                int lastChunk = Math.Min(chunkCount, firstChunk + ChunksPerWorkItem);
                for (int chunk = firstChunk; chunk < lastChunk; chunk++)
                {
                    int start = chunk * SegKernels.NumPyReductionChunk;
                    int length = Math.Min(SegKernels.NumPyReductionChunk, values.Length - start);
                    partials[chunk] = SegKernels.PairwiseSum(values.Slice(start, length), term);
                }
            });

            float accumulator = 0f;
            for (int chunk = 0; chunk < chunkCount; chunk++)
            {
                accumulator += partials[chunk];
            }

            return accumulator;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    private static (float Sum, long Count) MaskedChunkedSum<TTerm>(ReadOnlySpan<float> x, ReadOnlySpan<byte> mask, Span<float> chunk, TTerm term)
        where TTerm : struct, SegKernels.IPairwiseTerm
    {
        float accumulator = 0f;
        long count = 0;
        while (!x.IsEmpty)
        {
            int filled = SegKernels.CompressMasked(x, mask, chunk, out int consumed);
            x = x[consumed..];
            mask = mask[consumed..];
            if (filled > 0)
            {
                accumulator += SegKernels.PairwiseSum(chunk[..filled], term);
                count += filled;
            }
        }

        return (accumulator, count);
    }
}
