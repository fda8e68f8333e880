using System.Buffers;
using SegEngine.Kernels;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// The full per-class work for the output voxels the fast path left undecided, a row at a time: each class's order-1
/// sums (<see cref="TrilinearStencil"/>), stored to fp16 with NumPy's direct double→half rounding
/// (<see cref="SegKernels.RoundToHalf"/>), then the argmax (ties to the lowest class) or the region thresholds with later
/// heads winning. Vectorised across x; each voxel's value is exactly the scalar sum's.
/// </summary>
/// <remarks>skimage's per-class clip is left out on purpose: docs/fused-export.md, "Why the clip is a no-op".</remarks>
internal static class ExactVoxel
{
    /// <summary>
    /// Undecided voxels this close together are computed as one run: the voxels between them get their exact label,
    /// which equals the decided one (docs/fused-export.md, section 4), and longer runs fill the vectors better.
    /// </summary>
    private const int RunGap = 8;

    /// <summary>
    /// Fills every <see cref="CellFastPath.Undecided"/> entry of <paramref name="labels"/>, the labels of output row
    /// <paramref name="stencil"/> (one per output x); decided entries are left as they are.
    /// </summary>
    public static void LabelRow(in TrilinearStencil stencil, InputPlanes planes, int classes, int[]? regionsClassOrder, Span<int> labels)
    {
        int width = labels.Length;
        int next = labels.IndexOf(CellFastPath.Undecided);
        if (next < 0)
        {
            return;
        }

        double[] doubles = ArrayPool<double>.Shared.Rent((4 * stencil.InputWidth) + width);
        float[] floats = ArrayPool<float>.Shared.Rent(4 * width);
        try
        {
            var row = new RowWork(stencil, planes, classes, regionsClassOrder, doubles, floats, width);
            while (next >= 0)
            {
                int end = next + 1;
                while (end < width)
                {
                    int ahead = labels[end..Math.Min(width, end + RunGap)].IndexOf(CellFastPath.Undecided);
                    if (ahead < 0)
                    {
                        break;
                    }

                    end += ahead + 1;
                }

                row.Fill(next, labels[next..end]);
                int following = labels[end..].IndexOf(CellFastPath.Undecided);
                next = following < 0 ? -1 : end + following;
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(doubles);
            ArrayPool<float>.Shared.Return(floats);
        }
    }

    /// <summary>One row's inputs and scratch (rented by <see cref="LabelRow"/>).</summary>
    private readonly ref struct RowWork(
        in TrilinearStencil stencil, InputPlanes planes, int classes, int[]? regionsClassOrder, double[] doubles, float[] floats, int width)
    {
        private readonly TrilinearStencil stencil = stencil;
        private readonly SliceClassPlanes low = planes.Slice(stencil.LowSlice);
        private readonly SliceClassPlanes high = planes.Slice(stencil.HighSlice);
        private readonly Span<double> scaledRows = doubles.AsSpan(0, 4 * stencil.InputWidth);
        private readonly Span<double> sums = doubles.AsSpan(4 * stencil.InputWidth, width);
        private readonly Span<float> values = floats.AsSpan(0, width);
        private readonly Span<float> best = floats.AsSpan(width, width);
        private readonly Span<float> runnerUp = floats.AsSpan(2 * width, width);
        private readonly Span<float> winner = floats.AsSpan(3 * width, width);

        /// <summary>Labels output x in [<paramref name="start"/>, + run length), overwriting the undecided entries of <paramref name="run"/>.</summary>
        public void Fill(int start, Span<int> run)
        {
            int n = run.Length;
            Span<float> value = values[..n];
            for (int k = 0; k < classes; k++)
            {
                stencil.Sum(low.Class(k), high.Class(k), start, sums[..n], scaledRows);
                SegKernels.RoundToHalf(sums[..n], value);
                if (regionsClassOrder is not null)
                {
                    Threshold(value, k, regionsClassOrder[k], winner[..n]);
                }
                else if (k == 0)
                {
                    value.CopyTo(best);
                    runnerUp[..n].Fill(float.NegativeInfinity);
                    winner[..n].Clear();
                }
                else
                {
                    SegKernels.ArgmaxUpdate(value, k, best[..n], runnerUp[..n], winner[..n]);
                }
            }

            for (int i = 0; i < n; i++)
            {
                if (run[i] == CellFastPath.Undecided)
                {
                    run[i] = (int)winner[i];
                }
            }
        }

        /// <summary>Regions: a head that is on sets its label; later heads overwrite earlier ones; none on leaves 0.</summary>
        private static void Threshold(ReadOnlySpan<float> value, int head, int label, Span<float> result)
        {
            if (head == 0)
            {
                result.Clear();
            }

            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] > RegionHead.OnThreshold)
                {
                    result[i] = label;
                }
            }
        }
    }
}
