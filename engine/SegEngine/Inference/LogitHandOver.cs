namespace SegEngine.Inference;

/// <summary>
/// How the sliding window hands a tile row's finished slices to its sink, and what that costs: either whole slices
/// once the row is done, <see cref="SlabSlices"/> at a time, or band by band while the row runs (the first
/// <see cref="BandSlices"/> finished slices, each band of rows as soon as the row's tiles have left it, its memory
/// discarded then). Bands hold less of the accumulator (at the end of a row the finished half of the patch depth keeps
/// only its last band) but the sink sees a whole row's finished slices at once, so its per-slice working memory (the
/// export's slice summaries) counts for more slices, and discarded pages cost time when they are touched again. The
/// memory plan chooses (<see cref="PrefersBands"/>) and the sliding window follows its choice.
/// </summary>
internal sealed record LogitHandOver(int BandSlices, int SlabSlices, long AccumulatorBytes, int SinkSlices)
{
    /// <summary>Whether finished slices go over band by band.</summary>
    public bool InBands => BandSlices > 0;

    /// <summary>
    /// Whether a case should go over in bands, given the planned totals of both hand-overs and whether each fits the
    /// budget: when they cut the peak by a tenth or more, or when only they fit. Bands cost time, so a smaller saving
    /// is not worth it: every discarded page is faulted in again when its block is reused (4.5 µs a page in our VMs, 20
    /// times a memset of it; +30 % aggregation time on the realistic CT at 14 and at 118 classes, perf/results/scale.md).
    /// </summary>
    public static bool PrefersBands(long wholeBytes, long bandBytes, bool wholeFits, bool bandsFit) =>
        bandBytes <= wholeBytes - (wholeBytes / 10) || (bandsFit && !wholeFits);

    /// <summary>Whole slices after each tile row, <paramref name="slabSlices"/> per call.</summary>
    public static LogitHandOver WholeSlices(SlidingWindowGrid grid, int planes, int slabSlices) =>
        new(0, slabSlices, AccumulatorPeak(grid, planes, bandSlices: 0), slabSlices);

    /// <summary>
    /// Band by band: the finished slices of every tile row but the last (a row's z step, the largest of them), and as
    /// many of the last row's; the last row's other slices go whole after it, <paramref name="slabSlices"/> per call.
    /// </summary>
    public static LogitHandOver Bands(SlidingWindowGrid grid, int planes, int slabSlices)
    {
        int[] rows = grid.Offsets[0];
        int bandSlices = rows.Length == 1 ? grid.Padded.Z : rows.Zip(rows.Skip(1), (a, b) => b - a).Max();
        return new(bandSlices, slabSlices, AccumulatorPeak(grid, planes, bandSlices), Math.Max(bandSlices, slabSlices));
    }

    /// <summary>
    /// The padded slice below which tile row <paramref name="row"/>'s finished slices go over band by band, from the row's
    /// start (the row's start itself when slices go whole); the rest of its finished slices go whole after it.
    /// </summary>
    public int BandedBelow(SlidingWindowGrid grid, int row) => BandedBelow(grid, row, BandSlices);

    private static int BandedBelow(SlidingWindowGrid grid, int row, int bandSlices) =>
        bandSlices > 0 ? Math.Min(grid.FinishedBelow(row), grid.Offsets[0][row] + bandSlices) : grid.Offsets[0][row];

    /// <summary>
    /// The accumulator's most resident bytes: <see cref="PeakRows"/> of every plane, and about one partial page per plane
    /// of each slice with discarded rows.
    /// </summary>
    private static long AccumulatorPeak(SlidingWindowGrid grid, int planes, int bandSlices)
    {
        (long rows, int discarding) = PeakRows(grid, bandSlices);
        return SliceAccumulator.BytesFor(rows, planes, grid.Padded.X) + ((long)discarding * planes * Environment.SystemPageSize);
    }

    /// <summary>
    /// The most padded rows (of one plane, summed over slices) held at once: for every tile row and every band of tiles
    /// (all tiles of one y offset), the rows of each of the row's slices that tiles have touched, less the rows of
    /// finished slices already handed over in bands (all but the row before the band, which the sink may still read);
    /// and how many slices had rows discarded then.
    /// </summary>
    internal static (long Rows, int DiscardingSlices) PeakRows(SlidingWindowGrid grid, int bandSlices)
    {
        int[] rows = grid.Offsets[0];
        int[] bands = grid.Offsets[1];
        int depth = grid.Patch.Z;
        int height = grid.Padded.Y;
        long peakRows = 0;
        int peakSlices = 0;
        for (int zi = 0; zi < rows.Length; zi++)
        {
            int bandedBelow = BandedBelow(grid, zi, bandSlices);
            for (int b = 0; b < bands.Length; b++)
            {
                int touched = Math.Min(height, bands[b] + grid.Patch.Y);
                long held = 0;
                int discarding = 0;
                for (int z = rows[zi]; z < rows[zi] + depth; z++)
                {
                    bool firstTouched = zi == 0 || z >= rows[zi - 1] + depth;
                    bool inBands = z < bandedBelow;
                    held += (firstTouched ? touched : height) - (inBands ? Math.Max(0, bands[b] - 1) : 0);
                    discarding += inBands && bands[b] > 0 ? 1 : 0;
                }

                if (held > peakRows)
                {
                    (peakRows, peakSlices) = (held, discarding);
                }
            }
        }

        return (peakRows, peakSlices);
    }
}
