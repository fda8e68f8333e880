using System.Globalization;
using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>The plan's two stages: preprocessing holds the image, the network stage does not, and the total is the larger stage.</summary>
public class MemoryPlanStageTests
{
    private static readonly Shape3 Image = new(40, 100, 100);

    /// <summary>One channel of <see cref="Image"/> in float32.</summary>
    private const long PreprocessedBytes = 40L * 100 * 100 * sizeof(float);

    private const long TileBytes = 1 << 20;

    private static MemoryPlan Plan(PreprocessingMemory preprocessing, long labelMapBytes = 0, long probabilityBytes = 0, bool warmedUp = true) =>
        MemoryPlan.Compute(
            Image, 1, 3, [32, 32, 32], 2, dynamicBatch: true, TileBytes, new InferenceOptions { UseMirroring = false }, mirroringAxes: [],
            preprocessing, labelMapBytes: labelMapBytes, networksWarmedUp: warmedUp, probabilityBytes: probabilityBytes);

    [Fact]
    public void TheImageIsHeldByPreprocessingAndNotByTheNetworkStage()
    {
        MemoryPlan without = Plan(default);
        MemoryPlan with = Plan(new PreprocessingMemory(ImageBytes: 5_000_000, WorkingBytes: 700_000));

        Assert.Equal(without.NetworkStageBytes, with.NetworkStageBytes);
        Assert.Equal(without.PreprocessingBytes + 5_700_000, with.PreprocessingBytes);
        Assert.Equal(MemoryStages.Preprocessing, with.Items.Single(i => i.Item == "input image").Stages);
        Assert.Equal(MemoryStages.Preprocessing | MemoryStages.Network, with.Items.Single(i => i.Item == "preprocessed volume (f32)").Stages);
    }

    [Fact]
    public void ABigImageBeforeASmallNetworkStageSetsTheTotal()
    {
        var preprocessing = new PreprocessingMemory(ImageBytes: 900_000_000, WorkingBytes: 305_000_000);

        MemoryPlan plan = Plan(preprocessing);

        // Image, working memory, the preprocessed volume, and what the two warmed-up folds keep: ORT's arena (a tile's
        // working memory less its 3 x 32^3 float output) and their batch buffers (one tile in, 1 x 32^3, and out).
        const long TileOutput = 3 * 32 * 32 * 32 * sizeof(float);
        const long TileInput = 32 * 32 * 32 * sizeof(float);
        long preprocessingPeak = 900_000_000 + 305_000_000 + PreprocessedBytes + (2 * (TileBytes - TileOutput)) + (2 * (TileInput + TileOutput));
        Assert.Equal(preprocessingPeak, plan.PreprocessingBytes);
        Assert.True(plan.NetworkStageBytes < preprocessingPeak);
        Assert.Equal(preprocessingPeak, plan.TotalBytes);
        Assert.Equal(900_000_000 + 305_000_000 + PreprocessedBytes, plan.PerCaseBytes);
    }

    [Fact]
    public void BeforeAnyTileTheSessionsHoldOnlyTheirArenaDuringPreprocessing()
    {
        var preprocessing = new PreprocessingMemory(5_000_000, 400_000);

        MemoryPlan warm = Plan(preprocessing);
        MemoryPlan cold = Plan(preprocessing, warmedUp: false);

        long batchBuffers = warm.Items.Single(i => i.Item == "network batch buffers (f32)").Bytes;
        Assert.Equal(warm.PreprocessingBytes - batchBuffers, cold.PreprocessingBytes);
        Assert.Equal(warm.NetworkStageBytes, cold.NetworkStageBytes);
        Assert.True(cold.Items.Single(i => i.Item == "ORT working memory").IsIn(MemoryStages.Preprocessing));
    }

    [Fact]
    public void ACaseHoldsOnItsOwnTheLargerOfItsPreprocessingAndWhatItKeepsAfterTheNetwork()
    {
        MemoryPlan small = Plan(new PreprocessingMemory(1_000, 250), labelMapBytes: 400_000, probabilityBytes: 4_800_000);
        MemoryPlan large = Plan(new PreprocessingMemory(90_000_000, 400_000), labelMapBytes: 400_000, probabilityBytes: 4_800_000);

        Assert.Equal(PreprocessedBytes + 400_000 + 4_800_000, small.PerCaseBytes);
        Assert.Equal(90_000_000 + 400_000 + PreprocessedBytes, large.PerCaseBytes);
    }

    [Fact]
    public void TheTableShowsEachStageSumAndTheLargerAsTheTotal()
    {
        MemoryPlan plan = Plan(new PreprocessingMemory(900_000_000, 305_000_000));

        string table = plan.ToString();

        string Mib(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
        string sums = table.Split('\n').Single(l => l.StartsWith("stage sum", StringComparison.Ordinal));
        Assert.Contains(Mib(plan.PreprocessingBytes), sums, StringComparison.Ordinal);
        Assert.Contains(Mib(plan.NetworkStageBytes), sums, StringComparison.Ordinal);
        Assert.Contains("total (larger stage)", table, StringComparison.Ordinal);
        Assert.Contains($"{Mib(plan.PreprocessingBytes)} MiB", table, StringComparison.Ordinal);
    }
}
