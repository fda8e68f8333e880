using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Inference;

/// <summary>The CPU warm-up measured once per model and settings, kept beside the ONNX, and reused without running the network.</summary>
public class NetworkMemoryRecordTests
{
    private static readonly InferenceOptions Cpu = new() { Device = InferenceDevice.Cpu, Threads = 1 };

    /// <summary>A private copy of the 2d sample: no memory record yet (<see cref="ModelFixtures.CopySample"/> leaves them out).</summary>
    private static OnnxSignature FreshSample() => ModelFolder.Load(ModelFixtures.CopySample("2d")).Folds[0].Onnx!;

    [Fact]
    public void TheFirstOpenWritesTheRecordAndTheSecondStartsWithoutAWarmUp()
    {
        OnnxSignature onnx = FreshSample();

        long measured;
        using (OrtTileNetwork first = OrtTileNetwork.Open(onnx, Cpu))
        {
            Assert.True(first.WarmedUp);
            measured = first.WorkingBytesPerTile;
        }

        Assert.True(File.Exists(NetworkMemoryRecord.PathBeside(onnx.Path)));
        using OrtTileNetwork second = OrtTileNetwork.Open(onnx, Cpu);
        Assert.False(second.WarmedUp);
        Assert.Equal(measured, second.WorkingBytesPerTile);
    }

    [Fact]
    public void OtherThreadsAreAnotherKey()
    {
        OnnxSignature onnx = FreshSample();
        using (OrtTileNetwork.Open(onnx, Cpu))
        {
        }

        using OrtTileNetwork other = OrtTileNetwork.Open(onnx, Cpu with { Threads = 2 });
        Assert.True(other.WarmedUp);
        using OrtTileNetwork again = OrtTileNetwork.Open(onnx, Cpu with { Threads = 2 });
        Assert.False(again.WarmedUp);
    }

    [Fact]
    public void ARecordOfOtherModelBytesIsIgnoredAndRewritten()
    {
        OnnxSignature onnx = FreshSample();
        using (OrtTileNetwork.Open(onnx, Cpu))
        {
        }

        string record = NetworkMemoryRecord.PathBeside(onnx.Path);
        string text = File.ReadAllText(record);
        int hash = text.IndexOf("sha256=", StringComparison.Ordinal) + "sha256=".Length;
        File.WriteAllText(record, string.Concat(text.AsSpan(0, hash), new string('0', 64), text.AsSpan(hash + 64)));

        using (OrtTileNetwork stale = OrtTileNetwork.Open(onnx, Cpu))
        {
            Assert.True(stale.WarmedUp);
        }

        using OrtTileNetwork rewritten = OrtTileNetwork.Open(onnx, Cpu);
        Assert.False(rewritten.WarmedUp);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"key\": ")]
    [InlineData("{\"key\": 3, \"working_bytes_per_tile\": \"many\"}")]
    [InlineData("[1, 2]")]
    public void ACorruptRecordIsIgnored(string content)
    {
        OnnxSignature onnx = FreshSample();
        File.WriteAllText(NetworkMemoryRecord.PathBeside(onnx.Path), content);

        using OrtTileNetwork network = OrtTileNetwork.Open(onnx, Cpu);

        Assert.True(network.WarmedUp);
        Assert.True(network.WorkingBytesPerTile > 0);
    }

    [Fact]
    public void AnUnwritableModelFolderKeepsTheRecordInTheTempFolder()
    {
        OnnxSignature onnx = FreshSample();
        // A folder in the way makes the record unwritable beside the model even to root, which ignores permission bits.
        Directory.CreateDirectory(NetworkMemoryRecord.PathBeside(onnx.Path));

        using (OrtTileNetwork.Open(onnx, Cpu))
        {
        }

        using OrtTileNetwork second = OrtTileNetwork.Open(onnx, Cpu);
        Assert.False(second.WarmedUp);
        Assert.True(Directory.Exists(NetworkMemoryRecord.PathBeside(onnx.Path)));
    }

    [Fact]
    public void APlanForNetworksNotWarmedUpCountsNothingAsResident()
    {
        var image = new Shape3(40, 100, 100);
        var options = new InferenceOptions();

        MemoryPlan warm = MemoryPlan.Compute(image, 1, 3, [32, 32, 32], 2, dynamicBatch: true, 1 << 20, options, mirroringAxes: []);
        MemoryPlan cold = MemoryPlan.Compute(image, 1, 3, [32, 32, 32], 2, dynamicBatch: true, 1 << 20, options, mirroringAxes: [], networksWarmedUp: false);

        Assert.Equal(2L << 20, warm.WarmedUpBytes);
        Assert.Equal(0, cold.WarmedUpBytes);
        Assert.Equal(warm.TotalBytes, cold.TotalBytes);
    }

    [Fact]
    public void ThePredictorPlansColdWhenAnyFoldStartedWithoutAWarmUp()
    {
        var predictor = new SlidingWindowPredictor(new InferenceOptions { UseMirroring = false }, mirroringAxes: []);
        var warm = new FakeTileNetwork(1, 2, [8, 8, 8], dynamicBatch: true, foldBias: 0);
        var cold = new FakeTileNetwork(1, 2, [8, 8, 8], dynamicBatch: true, foldBias: 0) { WarmedUp = false };

        Assert.Equal(2 * warm.WorkingBytesPerTile, predictor.Plan(new Shape3(8, 8, 8), [warm, warm]).WarmedUpBytes);
        Assert.Equal(0, predictor.Plan(new Shape3(8, 8, 8), [warm, cold]).WarmedUpBytes);
    }
}
