using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The accumulator's chunks: every (slice, plane, row) has its own memory, in one slab or several, releasing rows below
/// a row never touches the rows kept, and new and reused chunks read as zero.
/// </summary>
public class SliceAccumulatorTests
{
    private const int Slices = 3;
    private const int Planes = 3;
    private const int Rows = (2 * SliceAccumulator.ChunkRows) + 3;
    private const int Width = 5;

    [Fact]
    public void RowsAreDistinctAndReleasingBelowARowKeepsTheRest()
    {
        using var accumulator = new SliceAccumulator(Slices, Planes, Rows, Width);
        accumulator.Hold(0, Slices, 0, Rows);
        FillWithAddresses(accumulator, 0, Slices, 0);

        // The rows of slice 1 below the second chunk go; a kept row in the first chunk keeps it all.
        int firstKept = SliceAccumulator.ChunkRows + 1;
        accumulator.ReleaseBelow(1, firstKept);
        accumulator.ReleaseBelow(2, SliceAccumulator.ChunkRows - 1);
        for (int z = 0; z < Slices; z++)
        {
            int from = z == 1 ? SliceAccumulator.ChunkRows : 0;
            for (int p = 0; p < Planes; p++)
            {
                for (int y = from; y < Rows; y++)
                {
                    Assert.All(accumulator.Row(z, p, y).ToArray(), v => Assert.Equal(Address(z, p, y), v));
                }
            }
        }

        Assert.Throws<InvalidOperationException>(() => accumulator.Row(1, 0, SliceAccumulator.ChunkRows - 1).Length);
    }

    [Fact]
    public void ReusedChunksReadAsZero()
    {
        using var accumulator = new SliceAccumulator(Slices, Planes, Rows, Width);
        accumulator.Hold(0, 1, 0, Rows);
        FillWithAddresses(accumulator, 0, 1, 0);
        accumulator.ReleaseBelow(0, SliceAccumulator.ChunkRows);
        accumulator.Release(0);

        // Held a few rows at a time, as tiles touch them: the released chunks come back, cleared.
        accumulator.Hold(1, 3, 2, 5);
        accumulator.Hold(1, 3, SliceAccumulator.ChunkRows, Rows);
        for (int z = 1; z < Slices; z++)
        {
            for (int p = 0; p < Planes; p++)
            {
                for (int y = 0; y < Rows; y++)
                {
                    Assert.All(accumulator.Row(z, p, y).ToArray(), v => Assert.Equal((Half)0, v));
                }
            }
        }
    }

    [Fact]
    public void ChunksFromSeveralSlabsAreDistinct()
    {
        // Chunks of 12 MiB: a 32 MiB slab holds two, so three slices' chunks take two slabs.
        const int WideRow = 1 << 18;
        using var accumulator = new SliceAccumulator(Slices, Planes, SliceAccumulator.ChunkRows, WideRow);
        accumulator.Hold(0, Slices, 0, SliceAccumulator.ChunkRows);
        for (int z = 0; z < Slices; z++)
        {
            for (int p = 0; p < Planes; p++)
            {
                for (int y = 0; y < SliceAccumulator.ChunkRows; y++)
                {
                    Span<Half> row = accumulator.Row(z, p, y);
                    Assert.Equal(-1, row.IndexOfAnyExcept((Half)0));
                    row.Fill(Address(z, p, y));
                }
            }
        }

        for (int z = 0; z < Slices; z++)
        {
            for (int p = 0; p < Planes; p++)
            {
                for (int y = 0; y < SliceAccumulator.ChunkRows; y++)
                {
                    Assert.Equal(-1, accumulator.Row(z, p, y).IndexOfAnyExcept(Address(z, p, y)));
                }
            }
        }
    }

    private static Half Address(int z, int plane, int y) => (Half)((((z * Planes) + plane) * Rows) + y + 1);

    private static void FillWithAddresses(SliceAccumulator accumulator, int from, int to, int rowFrom)
    {
        for (int z = from; z < to; z++)
        {
            for (int p = 0; p < Planes; p++)
            {
                for (int y = rowFrom; y < Rows; y++)
                {
                    accumulator.Row(z, p, y).Fill(Address(z, p, y));
                }
            }
        }
    }
}
