using SegEngine.Inference;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The streaming predictor against the naive whole-volume reference (nnunet-parity.md §4), through fake networks so that
/// only the sliding window's own arithmetic is under test: every comparison is on raw fp16 bits.
/// </summary>
public class SlidingWindowPredictorTests
{
    public static IEnumerable<object[]> Cases =>
    [
        // image z,y,x; patch; step; mirror axes; folds; batch; batch mirrors
        [new[] { 7, 20, 23 }, new[] { 4, 8, 8 }, 0.5, new[] { 0, 1, 2 }, 1, 1, false],
        [new[] { 7, 20, 23 }, new[] { 4, 8, 8 }, 0.7, new[] { 2, 0 }, 3, 1, false],
        [new[] { 3, 5, 30 }, new[] { 4, 8, 8 }, 0.5, new[] { 0, 1, 2 }, 2, 1, false],
        [new[] { 9, 11, 6 }, new[] { 5, 6, 7 }, 0.33, Array.Empty<int>(), 1, 1, false],
        [new[] { 5, 13, 9 }, new[] { 8, 8 }, 0.5, new[] { 0, 1 }, 2, 1, false],
        [new[] { 4, 5, 21 }, new[] { 8, 8 }, 1.0, new[] { 1 }, 1, 1, false],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamingEqualsNaiveWholeVolume(int[] size, int[] patch, double step, int[] axes, int folds, int batch, bool batchMirrors)
    {
        AssertEqualsNaive(size, patch, step, axes, folds, batch, batchMirrors);
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    public void BatchedRunsEqualNaive(int batch, bool batchMirrors)
    {
        AssertEqualsNaive([7, 20, 23], [4, 8, 8], 0.5, [0, 1, 2], 2, batch, batchMirrors);
        AssertEqualsNaive([5, 13, 9], [8, 8], 0.5, [0, 1], 1, batch, batchMirrors);
    }

    [Fact]
    public void SlabsArriveInOrderAndCoverTheVolume()
    {
        var network = new FakeTileNetwork(1, 2, [4, 8, 8], dynamicBatch: false, 0f);
        using VolumeBuffer<float> image = RandomImage(1, new Shape3(13, 9, 10), 5);
        var sink = new RecordingSink();

        new SlidingWindowPredictor(new InferenceOptions(), mirroringAxes: [0]) { ExportInBands = false }.Predict(image, [network], sink, CancellationToken.None);

        Assert.Equal(13, sink.Slabs.Sum(s => s.Count));
        Assert.True(sink.Slabs.Count > 1, "a volume deeper than the patch should stream in several slabs");
        int next = 0;
        foreach ((int start, int count, int rowFrom, int rowTo) in sink.Slabs)
        {
            Assert.Equal(next, start);
            Assert.InRange(count, 1, 4);
            Assert.Equal((0, 9), (rowFrom, rowTo));
            next += count;
        }

        Assert.True(sink.Completed);
    }

    [Fact]
    public void BandsArriveInOrderAndCoverEveryRowOnce()
    {
        // y offsets 0, 8, 16, 24 (patch 16 over 40 rows at step 0.5): bands of 8, 8, 8 and 16 rows.
        var network = new FakeTileNetwork(1, 2, [8, 16, 8], dynamicBatch: false, 0f);
        using VolumeBuffer<float> image = RandomImage(1, new Shape3(17, 40, 10), 5);
        var sink = new RecordingSink();

        new SlidingWindowPredictor(new InferenceOptions(), mirroringAxes: []) { ExportInBands = true }.Predict(image, [network], sink, CancellationToken.None);

        var order = new LogitSlabOrder(image.Shape);
        int[] rowsSeen = new int[17 * 40];
        foreach ((int start, int count, int rowFrom, int rowTo) in sink.Slabs)
        {
            order.Next(SlabOf(start, count, rowFrom, rowTo));
            for (int z = start; z < start + count; z++)
            {
                for (int y = rowFrom; y < rowTo; y++)
                {
                    rowsSeen[(z * 40) + y]++;
                }
            }
        }

        Assert.True(order.Done);
        Assert.All(rowsSeen, n => Assert.Equal(1, n));
        Assert.Contains(sink.Slabs, s => s.RowFrom == 8 && s.RowTo == 16);
        Assert.True(sink.Completed);
    }

    [Fact]
    public void ProgressCountsTilePositionsUpToOne()
    {
        var network = new FakeTileNetwork(1, 2, [4, 8, 8], dynamicBatch: false, 0f);
        using VolumeBuffer<float> image = RandomImage(1, new Shape3(13, 9, 10), 5);
        using var sink = new LogitVolumeSink();
        var fractions = new List<double>();
        int positions = SlidingWindowGrid.Create(image.Shape, [4, 8, 8], 0.5).Offsets.Aggregate(1, (n, axis) => n * axis.Length);

        new SlidingWindowPredictor(new InferenceOptions { UseMirroring = false }, mirroringAxes: []).Predict(image, [network], sink, new ListProgress(fractions), CancellationToken.None);

        Assert.Equal(positions, fractions.Count);
        Assert.Equal(Enumerable.Range(1, positions).Select(done => (double)done / positions), fractions);
    }

    [Fact]
    public void InfiniteLogitsAbort()
    {
        var network = new ScaledNetwork(new FakeTileNetwork(1, 2, [4, 8, 8], dynamicBatch: false, 0f), 1e30f);
        using VolumeBuffer<float> image = RandomImage(1, new Shape3(4, 8, 8), 6);
        using var sink = new LogitVolumeSink();

        var error = Assert.Throws<SegEngineException>(
            () => new SlidingWindowPredictor(new InferenceOptions { UseMirroring = false }, mirroringAxes: []).Predict(image, [network], sink, CancellationToken.None));
        Assert.Equal(SegErrorCode.Numeric, error.Code);
    }

    [Fact]
    public void MismatchedChannelsAreRejected()
    {
        var network = new FakeTileNetwork(2, 2, [4, 8, 8], dynamicBatch: false, 0f);
        using VolumeBuffer<float> image = RandomImage(1, new Shape3(4, 8, 8), 7);
        using var sink = new LogitVolumeSink();

        var error = Assert.Throws<SegEngineException>(
            () => new SlidingWindowPredictor(new InferenceOptions(), mirroringAxes: []).Predict(image, [network], sink, CancellationToken.None));
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains("2", error.Message);
    }

    [Fact]
    public void CancellationStopsBeforeTheFirstTile()
    {
        var network = new FakeTileNetwork(1, 2, [4, 8, 8], dynamicBatch: false, 0f);
        using VolumeBuffer<float> image = RandomImage(1, new Shape3(4, 8, 8), 8);
        using var sink = new LogitVolumeSink();

        Assert.ThrowsAny<OperationCanceledException>(
            () => new SlidingWindowPredictor(new InferenceOptions(), mirroringAxes: []).Predict(image, [network], sink, new CancellationToken(canceled: true)));
    }

    private static void AssertEqualsNaive(int[] size, int[] patch, double step, int[] axes, int folds, int batch, bool batchMirrors)
    {
        var shape = new Shape3(size[0], size[1], size[2]);
        const int channels = 2;
        const int classes = 3;
        using VolumeBuffer<float> image = RandomImage(channels, shape, 1234);
        var networks = Enumerable.Range(0, folds)
            .Select(f => new FakeTileNetwork(channels, classes, patch, dynamicBatch: batch > 1 || batchMirrors, 0.11f * f))
            .ToArray();
        var options = new InferenceOptions { StepSize = step, BatchSize = batch, BatchMirrors = batchMirrors };

        using var sink = new LogitVolumeSink();
        new SlidingWindowPredictor(options, axes).Predict(image, networks, sink, CancellationToken.None);
        using VolumeBuffer<Half> actual = sink.TakeVolume();

        Half[] expected = NaiveSlidingWindow.Predict(
            image.Span.ToArray(), channels, shape, patch, step, classes, axes, networks.Select(n => (NaiveSlidingWindow.TileFunction)n.Evaluate).ToArray());

        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            ushort e = BitConverter.HalfToUInt16Bits(expected[i]);
            ushort a = BitConverter.HalfToUInt16Bits(actual.Span[i]);
            Assert.True(e == a, $"voxel {i}: expected 0x{e:X4} ({expected[i]}), got 0x{a:X4} ({actual.Span[i]})");
        }

        if (batch > 1 || batchMirrors)
        {
            Assert.True(networks[0].LargestBatch > 1, "batching was requested but every run held one tile");
        }
    }

    private static VolumeBuffer<float> RandomImage(int channels, Shape3 shape, int seed)
    {
        var random = new Random(seed);
        VolumeBuffer<float> image = VolumeBuffer<float>.Allocate(channels, shape);
        foreach (ref float v in image.Span)
        {
            v = (random.NextSingle() * 4) - 2;
        }

        return image;
    }

    private static LogitSlab SlabOf(int start, int count, int rowFrom, int rowTo) =>
        LogitSlab.InChunks(start, count, new nint[count], 0, 0, 0, 0, rowFrom, rowTo);

    private sealed class RecordingSink : ILogitSlabSink
    {
        public List<(int Start, int Count, int RowFrom, int RowTo)> Slabs { get; } = [];

        public bool Completed { get; private set; }

        public long WorkingBytesPerSlice => 0;

        public void Begin(int headCount, Shape3 shape)
        {
        }

        public void Accept(LogitSlab slab) => Slabs.Add((slab.ZStart, slab.ZCount, slab.RowFrom, slab.RowTo));

        public void Complete() => Completed = true;
    }

    private sealed class ScaledNetwork(FakeTileNetwork inner, float scale) : ITileNetwork
    {
        public int InputChannels => inner.InputChannels;

        public int HeadCount => inner.HeadCount;

        public IReadOnlyList<int> PatchSize => inner.PatchSize;

        public bool DynamicBatch => inner.DynamicBatch;

        public long WorkingBytesPerTile => inner.WorkingBytesPerTile;

        public bool WarmedUp => inner.WarmedUp;

        public bool SharesFoldMemory => inner.SharesFoldMemory;

        public Span<float> InputBuffer(int batch) => inner.InputBuffer(batch);

        public ReadOnlySpan<float> Run(int batch)
        {
            float[] result = inner.Run(batch).ToArray();
            for (int i = 0; i < result.Length; i++)
            {
                result[i] *= scale;
            }

            return result;
        }
    }

    /// <summary>Records reports synchronously (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class ListProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value) => reports.Add(value);
    }
}
