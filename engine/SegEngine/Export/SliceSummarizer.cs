using System.Numerics;
using System.Numerics.Tensors;
using SegEngine.Kernels;

namespace SegEngine.Export;

/// <summary>
/// Fills the <see cref="SliceSummary"/> of newly received input slices: per voxel the winner, its value and the
/// runner-up's (labels), or the on-mask of the heads (regions); and rejects logits that are not finite, as nnU-Net does.
/// </summary>
internal sealed class SliceSummarizer(int classes, int[]? regionsClassOrder, Shape3 input)
{
    /// <summary>
    /// Summarises rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) of slices [<paramref name="zStart"/>,
    /// +<paramref name="zCount"/>), row by row, in parallel.
    /// </summary>
    /// <exception cref="SegEngineException">A logit is NaN or infinite.</exception>
    public void Summarize(InputPlanes planes, SliceWindow window, int zStart, int zCount, int rowFrom, int rowTo)
    {
        int height = rowTo - rowFrom;
        int rows = zCount * height;
        int failures = 0;
        Parallel.For(
            0,
            rows,
            () => new float[2 * input.X],
            (row, _, scratch) =>
            {
                int z = zStart + (row / height);
                if (!SummarizeRow(planes.Slice(z), window.Summary(z), rowFrom + (row % height), scratch))
                {
                    Interlocked.Increment(ref failures);
                }

                return scratch;
            },
            _ => { });
        if (failures > 0)
        {
            throw new SegEngineException(
                SegErrorCode.Numeric,
                $"export: the logits of slices [{zStart}, {zStart + zCount}), rows [{rowFrom}, {rowTo}) contain NaN or infinity ({failures} rows); nnU-Net rejects such predictions");
        }
    }

    /// <summary>One row of one slice. False if a logit of the row is not finite.</summary>
    private bool SummarizeRow(SliceClassPlanes slice, SliceSummary summary, int y, float[] scratch)
    {
        int width = input.X;
        Span<float> values = scratch.AsSpan(0, width);
        Span<float> winner = scratch.AsSpan(width, width);
        int offset = y * width;
        Span<float> best = summary.Best.AsSpan(offset, width);
        Span<float> runnerUp = summary.RunnerUp.AsSpan(offset, width);
        Span<ushort> label = summary.Label.AsSpan(offset, width);
        if (regionsClassOrder is int[] order)
        {
            Span<ulong> key = summary.Key.AsSpan(offset, width);
            key.Clear();
            for (int k = 0; k < classes; k++)
            {
                TensorPrimitives.ConvertToSingle(slice.Row(k, y), values);
                if (!float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
                {
                    return false;
                }

                for (int x = 0; x < width && k < 64; x++)
                {
                    key[x] |= values[x] > RegionHead.OnThreshold ? 1UL << k : 0;
                }
            }

            // With over 64 heads the mask does not fit the key: best −∞ < runner-up +∞ keeps every cell undecided.
            bool decidable = classes <= 64;
            for (int x = 0; x < width; x++)
            {
                label[x] = key[x] == 0 ? (ushort)0 : (ushort)order[63 - BitOperations.LeadingZeroCount(key[x])];
            }

            best.Fill(decidable ? float.PositiveInfinity : float.NegativeInfinity);
            runnerUp.Fill(decidable ? float.NegativeInfinity : float.PositiveInfinity);
            return true;
        }

        // Every finite logit beats −∞, so class 0 simply wins the first update.
        best.Fill(float.NegativeInfinity);
        runnerUp.Fill(float.NegativeInfinity);
        winner.Clear();
        for (int k = 0; k < classes; k++)
        {
            if (!SegKernels.ArgmaxUpdateHalf(slice.Row(k, y), k, best, runnerUp, winner))
            {
                return false;
            }
        }

        for (int x = 0; x < width; x++)
        {
            label[x] = (ushort)winner[x];
        }

        return true;
    }
}
