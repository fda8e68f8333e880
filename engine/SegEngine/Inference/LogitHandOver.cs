namespace SegEngine.Inference;

/// <summary>
/// How the sliding window hands a tile row's finished slices to its sink, and what that costs: either whole slices
/// once the row is done, <see cref="SlabSlices"/> at a time, or band by band while the row runs (the first
/// <see cref="BandSlices"/> finished slices, each band of rows as soon as the row's tiles have left it, its chunks
/// released then). Bands hold less of the accumulator (at the end of a row the finished half of the patch depth keeps
/// only its last band) but the sink sees a whole row's finished slices at once, so its per-slice working memory (the
/// export's slice summaries) counts for more slices. The
/// memory plan chooses (<see cref="PrefersBands"/>) and the sliding window follows its choice.
/// </summary>
internal sealed record LogitHandOver(int BandSlices, int SlabSlices, long AccumulatorBytes, int SinkSlices)
{
    /// <summary>Whether finished slices go over band by band.</summary>
    public bool InBands => BandSlices > 0;

    /// <summary>
    /// Whether a case should go over in bands, given the planned network stage of both hand-overs (the stage the
    /// hand-over changes): when that plans less. Bands
    /// cost no measurable time since the accumulator recycles its chunks itself (the realistic CT at 14 classes aggregated
    /// in 7.2–8.7 s in bands against 8.3 s whole, perf/results/scale-issue15-chunks.md), so the smaller plan wins, and it
    /// is the one that fits a budget whenever one does.
    /// </summary>
    public static bool PrefersBands(long wholeNetworkStage, long bandNetworkStage) => bandNetworkStage < wholeNetworkStage;

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

    /// <summary>The accumulator's most resident bytes: <see cref="PeakRows"/> of every plane.</summary>
    private static long AccumulatorPeak(SlidingWindowGrid grid, int planes, int bandSlices) =>
        SliceAccumulator.BytesFor(PeakRows(grid, bandSlices), planes, grid.Padded.X);

    /// <summary>
    /// The most padded rows (of one plane, summed over slices, in whole <see cref="SliceAccumulator"/> chunks) held at
    /// once: for every tile row and every band of tiles (all tiles of one y offset), the chunks of each of the row's slices
    /// that tiles have touched, less the chunks of finished slices already handed over in bands (those wholly below the
    /// row before the band, which the sink may still read).
    /// </summary>
    internal static long PeakRows(SlidingWindowGrid grid, int bandSlices)
    {
        int[] rows = grid.Offsets[0];
        int[] bands = grid.Offsets[1];
        int depth = grid.Patch.Z;
        int height = grid.Padded.Y;
        long peakChunks = 0;
        for (int zi = 0; zi < rows.Length; zi++)
        {
            int bandedBelow = BandedBelow(grid, zi, bandSlices);
            for (int b = 0; b < bands.Length; b++)
            {
                int touched = SliceAccumulator.ChunksCovering(Math.Min(height, bands[b] + grid.Patch.Y));
                long held = 0;
                for (int z = rows[zi]; z < rows[zi] + depth; z++)
                {
                    bool firstTouched = zi == 0 || z >= rows[zi - 1] + depth;
                    bool inBands = z < bandedBelow;
                    held += (firstTouched ? touched : SliceAccumulator.ChunksCovering(height)) - (inBands ? SliceAccumulator.ChunksBelow(bands[b] - 1) : 0);
                }

                peakChunks = Math.Max(peakChunks, held);
            }
        }

        return peakChunks * SliceAccumulator.ChunkRows;
    }
}
