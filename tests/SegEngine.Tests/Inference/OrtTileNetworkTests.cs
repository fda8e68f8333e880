using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Inference;

/// <summary>Opening the sample ONNX models and the memory plan (the device choice is in <see cref="DeviceSelectionTests"/>).</summary>
public class OrtTileNetworkTests
{
    private static OnnxSignature SampleOnnx(string configuration) => SignatureIn(TestPaths.SampleModel(configuration));

    private static OnnxSignature SignatureIn(string modelFolder) => ModelFolder.Load(modelFolder).Folds[0].Onnx!;

    [Fact]
    public void TakesTheModelFactsFromTheCheckedOnnx()
    {
        using OrtTileNetwork model = OrtTileNetwork.Open(SampleOnnx("3d_fullres"), new InferenceOptions { Device = InferenceDevice.Cpu });

        Assert.Equal([48, 64, 64], model.PatchSize);
        Assert.Equal(1, model.InputChannels);
        Assert.Equal(3, model.HeadCount);
        Assert.True(model.DynamicBatch);
        Assert.Equal(InferenceDevice.Cpu, model.Device);
        Assert.True(model.WorkingBytesPerTile >= 4 * 48 * 64 * 64 * 4);
    }

    [Fact]
    public void SavesTheOptimisedModelAndLoadsItNextTime()
    {
        string folder = ModelFixtures.CopySample("2d");
        OnnxSignature onnx = SignatureIn(folder);
        var options = new InferenceOptions { Device = InferenceDevice.Cpu, SaveOptimizedModel = true };

        using (OrtTileNetwork first = OrtTileNetwork.Open(onnx, options))
        {
            Assert.Equal(onnx.Path, first.ModelPath);
        }

        string optimized = Path.Combine(folder, "fold_0", "model.optimized.cpu.onnx");
        Assert.True(File.Exists(optimized));
        using OrtTileNetwork second = OrtTileNetwork.Open(onnx, options);
        Assert.Equal(optimized, second.ModelPath);
        Assert.Equal([96, 96], second.PatchSize);
    }

    [Fact]
    public void ModelRemovedSinceItWasCheckedIsAnIoError()
    {
        OnnxSignature onnx = SignatureIn(ModelFixtures.CopySample("2d"));
        File.Delete(onnx.Path);

        var error = Assert.Throws<SegEngineException>(() => OrtTileNetwork.Open(onnx, new InferenceOptions()));
        Assert.Equal(SegErrorCode.Io, error.Code);
        Assert.Contains(onnx.Path, error.Message);
    }

    /// <summary>
    /// Before the first tile the plan's ORT line is the graph's estimate itself, whatever the output's size: the per-tile
    /// figure adds the output pages (planned with the network buffers) instead of being floored at the tile buffers, which
    /// planned next to nothing for ORT once K made the output larger than its arena.
    /// </summary>
    [Fact]
    public void BeforeTheFirstTileThePlannedOrtMemoryIsTheGraphEstimate()
    {
        OnnxSignature onnx = SignatureIn(ModelFixtures.CopySample("3d_fullres"));
        using OrtTileNetwork network = OrtTileNetwork.Open(onnx, new InferenceOptions { Device = InferenceDevice.Cpu });
        long[] tile = [1, network.InputChannels, .. network.PatchSize.Select(p => (long)p)];
        long estimate = ActivationMemoryEstimate.BytesPerTile(OnnxGraphNodes.Read(onnx.Path), tile)!.Value;
        long outputBytes = network.HeadCount * 48L * 64 * 64 * sizeof(float);

        Assert.Equal(estimate + outputBytes, network.WorkingBytesPerTile);
        MemoryPlan plan = new SlidingWindowPredictor(new InferenceOptions { UseMirroring = false }, []).Plan(new Shape3(60, 80, 80), [network]);
        Assert.Equal(estimate, plan.Items.Single(i => i.Item == "ORT working memory").Bytes);
    }

    [Fact]
    public void MemoryPlanPrintsATableAndPicksTheLargestBatchThatFits()
    {
        var image = new Shape3(300, 512, 512);
        const long perTile = 200L << 20;
        var unlimited = MemoryPlan.Compute(image, 1, 5, [96, 160, 160], 5, dynamicBatch: true, perTile, new InferenceOptions(), mirroringAxes: []);
        string table = unlimited.ToString();
        Assert.Contains("aggregation slab (f16)", table);
        Assert.Contains("ORT working memory", table);
        Assert.Contains("batch size 1", table);
        Assert.Equal(96, unlimited.StreamingDepth);

        var budgeted = MemoryPlan.Compute(image, 1, 5, [96, 160, 160], 5, dynamicBatch: true, perTile, new InferenceOptions { MemoryBudgetGb = 8 }, mirroringAxes: []);
        Assert.InRange(budgeted.BatchSize, 2, 8);
        Assert.True(budgeted.TotalBytes <= 8L << 30);

        var error = Assert.Throws<MemoryBudgetException>(
            () => MemoryPlan.Compute(image, 1, 5, [96, 160, 160], 5, dynamicBatch: true, perTile, new InferenceOptions { MemoryBudgetGb = 0.5 }, mirroringAxes: []));
        Assert.Equal(SegErrorCode.MemoryBudget, error.Code);
        Assert.Contains("aggregation slab", error.Message);
        Assert.Equal(1, error.Plan.BatchSize);
    }

    [Fact]
    public void BatchOnAFixedBatchModelIsUnsupported()
    {
        var error = Assert.Throws<SegEngineException>(
            () => MemoryPlan.Compute(new Shape3(10, 10, 10), 1, 2, [8, 8, 8], 1, dynamicBatch: false, 0, new InferenceOptions { BatchSize = 2 }, mirroringAxes: []));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
    }
}
