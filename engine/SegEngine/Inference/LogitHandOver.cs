namespace SegEngine.Inference;

/// <summary>
/// How the sliding window hands a tile row's finished slices to its sink, and what that costs: either whole slices
/// once the row is done, <see cref="SlabSlices"/> at a time, or band by band while the row runs (the first
/// <see cref="BandSlices"/> finished slices, each band of rows as soon as the row's tiles have left it, its memory
/// discarded then). Bands hold less of the accumulator (at the end of a row the finished half of the patch depth keeps
/// only its last band) but the sink sees a whole row's finished slices at once, so its per-slice working memory (the
/// export's slice summaries) counts for more slices. <see cref="Choose"/> takes the smaller total; the memory plan and
/// the sliding window both follow its answer.
/// </summary>
internal sealed record LogitHandOver(int BandSlices, int SlabSlices, long AccumulatorBytes, int SinkSlices)
{
    /// <summary>Whether finished slices go over band by band.</summary>
    public bool InBands => BandSlices > 0;

    /// <summary>
    /// The hand-over that holds the least for <paramref name="grid"/>, an accumulator of <paramref name="planes"/> planes
    /// per slice and a sink that keeps <paramref name="sinkBytesPerSlice"/> for every slice it is handed at once.
    /// </summary>
    public static LogitHandOver Choose(SlidingWindowGrid grid, int planes, long sinkBytesPerSlice, int slabSlices)
    {
        LogitHandOver whole = WholeSlices(grid, planes, slabSlices);
        LogitHandOver bands = Bands(grid, planes, slabSlices);
        return bands.TotalBytes(sinkBytesPerSlice) < whole.TotalBytes(sinkBytesPerSlice) ? bands : whole;
    }

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

    /// <summary>The accumulator's peak plus the sink's per-slice memory for the slices it is handed at once.</summary>
    public long TotalBytes(long sinkBytesPerSlice) => AccumulatorBytes + (SinkSlices * sinkBytesPerSlice);

    /// <summary>
    /// The accumulator's most resident bytes: for every tile row and every band of tiles (all tiles of one y offset),
    /// the rows of each of the row's slices that tiles have touched, less the rows of finished slices already handed
    /// over in bands (all but the row before the band, which the sink may still read). A slice with discarded rows keeps
    /// about one partial page per plane besides.
    /// </summary>
    private static long AccumulatorPeak(SlidingWindowGrid grid, int planes, int bandSlices)
    {
        int[] rows = grid.Offsets[0];
        int[] bands = grid.Offsets[1];
        int depth = grid.Patch.Z;
        int height = grid.Padded.Y;
        long peakRows = 0;
        int peakSlices = 0;
        for (int zi = 0; zi < rows.Length; zi++)
        {
            int finishedBelow = zi + 1 < rows.Length ? rows[zi + 1] : grid.Padded.Z;
            for (int b = 0; b < bands.Length; b++)
            {
                int touched = Math.Min(height, bands[b] + grid.Patch.Y);
                long held = 0;
                int discarding = 0;
                for (int z = rows[zi]; z < rows[zi] + depth; z++)
                {
                    bool firstTouched = zi == 0 || z >= rows[zi - 1] + depth;
                    bool inBands = bandSlices > 0 && z < finishedBelow && z < rows[zi] + bandSlices;
                    held += (firstTouched ? touched : height) - (inBands ? Math.Max(0, bands[b] - 1) : 0);
                    discarding += inBands && bands[b] > 0 ? 1 : 0;
                }

                if (held > peakRows)
                {
                    (peakRows, peakSlices) = (held, discarding);
                }
            }
        }

        return SliceAccumulator.BytesFor(peakRows, planes, grid.Padded.X) + ((long)peakSlices * planes * Environment.SystemPageSize);
    }
}
