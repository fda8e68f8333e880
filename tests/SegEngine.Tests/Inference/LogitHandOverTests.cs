using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The hand-over's accumulator peak against a naive replay of the tile schedule (which rows of which slices are held
/// after every band of tiles), and the memory plan's choice between whole slices and bands.
/// </summary>
public class LogitHandOverTests
{
    [Theory]
    [InlineData(40, 45, 30, 8, 16, 0.5)]
    [InlineData(23, 60, 20, 6, 24, 0.33)]
    [InlineData(7, 9, 9, 8, 8, 0.5)]
    [InlineData(30, 100, 20, 10, 32, 1.0)]
    public void PeakRowsEqualAReplayOfTheTileSchedule(int z, int y, int x, int patchZ, int patchY, double step)
    {
        var grid = SlidingWindowGrid.Create(new Shape3(z, y, x), [patchZ, patchY, 8], step);
        foreach (bool inBands in new[] { false, true })
        {
            LogitHandOver handOver = inBands ? LogitHandOver.Bands(grid, 3, 16) : LogitHandOver.WholeSlices(grid, 3, 16);
            Assert.Equal(ReplayedPeakRows(grid, handOver.BandSlices), LogitHandOver.PeakRows(grid, handOver.BandSlices));
        }
    }

    [Fact]
    public void TheSmallerHandOverIsChosen()
    {
        // The realistic CT of the scale benchmark on its plan's grid, with the ResEnc M patch and a tiny network.
        var image = new Shape3(312, 448, 448);
        var grid = SlidingWindowGrid.Create(image, [96, 160, 160], 0.5);
        // Its figures as the scale benchmark plans them: the 512×512×250 float32 image and its label map, ORT's 100 MiB
        // beside the tile's output, the order-3 resampler's working memory, slice summaries of 10 bytes a voxel.
        MemoryPlan Plan(int classes) => MemoryPlan.Compute(
            image, 1, classes, [96, 160, 160], 1, dynamicBatch: false, (classes * 96L * 160 * 160 * 4) + (100L << 20),
            new InferenceOptions(), mirroringAxes: [], new PreprocessingMemory(250L << 20, 101L << 20),
            labelMapBytes: 512 * 512 * 250, sinkBytesPerSlice: 448 * 448 * 10, slabSlices: 16);

        // With 3 planes the accumulator saves less than the 32 more slice summaries a band hand-over keeps in flight.
        Assert.False(Plan(2).HandOver.InBands, Plan(2).ToString());
        foreach (int classes in new[] { 14, 118 })
        {
            MemoryPlan plan = Plan(classes);
            Assert.True(plan.HandOver.InBands, plan.ToString());
            long saved = LogitHandOver.WholeSlices(grid, classes + 1, 16).AccumulatorBytes - plan.HandOver.AccumulatorBytes;
            Assert.True(saved > (plan.HandOver.SinkSlices - 16) * 448L * 448 * 10, plan.ToString());
        }
    }

    /// <summary>
    /// Marks the accumulator chunks each tile touches and each band hands back, in the sliding window's order, and counts
    /// the rows of those held.
    /// </summary>
    private static long ReplayedPeakRows(SlidingWindowGrid grid, int bandSlices)
    {
        const int Rows = SliceAccumulator.ChunkRows;
        int height = grid.Padded.Y;
        int chunks = (height + Rows - 1) / Rows;
        var held = new bool[grid.Padded.Z, chunks];
        int[] rows = grid.Offsets[0];
        int[] bands = grid.Offsets[1];
        long peak = 0;
        for (int zi = 0; zi < rows.Length; zi++)
        {
            int finishedBelow = zi + 1 < rows.Length ? rows[zi + 1] : grid.Padded.Z;
            for (int b = 0; b < bands.Length; b++)
            {
                for (int z = rows[zi]; z < rows[zi] + grid.Patch.Z; z++)
                {
                    for (int y = bands[b]; y < Math.Min(height, bands[b] + grid.Patch.Y); y++)
                    {
                        held[z, y / Rows] = true;
                    }
                }

                long count = 0;
                foreach (bool h in held)
                {
                    count += h ? Rows : 0;
                }

                peak = Math.Max(peak, count);

                // The band is handed over: its slices keep the chunk of the band's last row (and those above) until the next
                // band, nothing after the last.
                for (int z = rows[zi]; bandSlices > 0 && z < Math.Min(finishedBelow, rows[zi] + bandSlices); z++)
                {
                    int released = b + 1 < bands.Length ? (bands[b + 1] - 1) / Rows : chunks;
                    for (int c = 0; c < released; c++)
                    {
                        held[z, c] = false;
                    }
                }
            }

            for (int z = rows[zi]; z < finishedBelow; z++)
            {
                for (int c = 0; c < chunks; c++)
                {
                    held[z, c] = false;
                }
            }
        }

        return peak;
    }
}
