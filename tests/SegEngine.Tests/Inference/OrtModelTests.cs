using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>Opening the sample ONNX models and the memory plan (the device choice is in <see cref="DeviceSelectionTests"/>).</summary>
public class OrtModelTests
{
    private static string SampleOnnx(string configuration) => Path.Combine(TestPaths.SampleModel(configuration), "fold_0", "model.onnx");

    [Fact]
    public void ReadsTheModelFactsFromTheOnnx()
    {
        using OrtModel model = OrtModel.Open(SampleOnnx("3d_fullres"), new InferenceOptions { Device = InferenceDevice.Cpu, ExpectedPatchSize = [48, 64, 64], ExpectedClasses = 3 });

        Assert.Equal([48, 64, 64], model.PatchSize);
        Assert.Equal(1, model.InputChannels);
        Assert.Equal(3, model.Classes);
        Assert.True(model.DynamicBatch);
        Assert.Equal(InferenceDevice.Cpu, model.Device);
        Assert.True(model.WorkingBytesPerTile >= 4 * 48 * 64 * 64 * 4);
    }

    [Fact]
    public void PatchDisagreeingWithThePlansIsRejected()
    {
        var error = Assert.Throws<SegEngineException>(
            () => OrtModel.Open(SampleOnnx("2d"), new InferenceOptions { Device = InferenceDevice.Cpu, ExpectedPatchSize = [128, 128] }));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains("96x96", error.Message);
        Assert.Contains("128x128", error.Message);
    }

    [Fact]
    public void SavesTheOptimisedModelAndLoadsItNextTime()
    {
        string folder = TestPaths.NewTempFolder();
        string onnx = Path.Combine(folder, "model.onnx");
        File.Copy(SampleOnnx("2d"), onnx);
        var options = new InferenceOptions { Device = InferenceDevice.Cpu, SaveOptimizedModel = true };

        using (OrtModel first = OrtModel.Open(onnx, options))
        {
            Assert.Equal(onnx, first.ModelPath);
        }

        string optimized = Path.Combine(folder, "model.optimized.cpu.onnx");
        Assert.True(File.Exists(optimized));
        using OrtModel second = OrtModel.Open(onnx, options);
        Assert.Equal(optimized, second.ModelPath);
        Assert.Equal([96, 96], second.PatchSize);
    }

    [Fact]
    public void MissingModelIsAnIoError()
    {
        var error = Assert.Throws<SegEngineException>(() => OrtModel.Open("/nonexistent/model.onnx", new InferenceOptions()));
        Assert.Equal(SegErrorCode.Io, error.Code);
        Assert.Contains("/nonexistent/model.onnx", error.Message);
    }

    [Fact]
    public void MemoryPlanPrintsATableAndPicksTheLargestBatchThatFits()
    {
        var image = new Shape3(300, 512, 512);
        const long perTile = 200L << 20;
        var unlimited = MemoryPlan.Compute(image, 1, 5, [96, 160, 160], 5, dynamicBatch: true, perTile, new InferenceOptions());
        string table = unlimited.ToString();
        Assert.Contains("aggregation slab (f16)", table);
        Assert.Contains("ORT working memory", table);
        Assert.Contains("batch size 1", table);
        Assert.Equal(96, unlimited.StreamingDepth);

        var budgeted = MemoryPlan.Compute(image, 1, 5, [96, 160, 160], 5, dynamicBatch: true, perTile, new InferenceOptions { MemoryBudgetGb = 8 });
        Assert.InRange(budgeted.BatchSize, 2, 8);
        Assert.True(budgeted.TotalBytes <= 8L << 30);

        var error = Assert.Throws<SegEngineException>(
            () => MemoryPlan.Compute(image, 1, 5, [96, 160, 160], 5, dynamicBatch: true, perTile, new InferenceOptions { MemoryBudgetGb = 0.5 }));
        Assert.Equal(SegErrorCode.MemoryBudget, error.Code);
        Assert.Contains("aggregation slab", error.Message);
    }

    [Fact]
    public void BatchOnAFixedBatchModelIsUnsupported()
    {
        var error = Assert.Throws<SegEngineException>(
            () => MemoryPlan.Compute(new Shape3(10, 10, 10), 1, 2, [8, 8, 8], 1, dynamicBatch: false, 0, new InferenceOptions { BatchSize = 2 }));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
    }
}
