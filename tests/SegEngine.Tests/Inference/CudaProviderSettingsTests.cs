using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>Each CUDA execution provider option as ONNX Runtime 1.32 names it, and the value each setting maps to.</summary>
public class CudaProviderSettingsTests
{
    [Fact]
    public void DefaultsAreTheDocumentedOrtOptionsInOrder()
    {
        CudaProviderSettings settings = CudaProviderSettings.From(new InferenceOptions());

        Assert.Equal(
            [
                new("device_id", "0"),
                new("arena_extend_strategy", "kSameAsRequested"),
                new("cudnn_conv_algo_search", "EXHAUSTIVE"),
                new("cudnn_conv_use_max_workspace", "1"),
                new("use_tf32", "1"),
                new("do_copy_in_default_stream", "1"),
            ],
            settings.Options);
        Assert.Equal(
            "device_id=0, arena_extend_strategy=kSameAsRequested, cudnn_conv_algo_search=EXHAUSTIVE, cudnn_conv_use_max_workspace=1, use_tf32=1, do_copy_in_default_stream=1",
            settings.ToString());
    }

    [Theory]
    [InlineData(4.0, "4294967296")]
    [InlineData(1.5, "1610612736")]
    public void GpuMemoryTargetBecomesGpuMemLimitInBytes(double gigabytes, string bytes)
    {
        CudaProviderSettings settings = CudaProviderSettings.From(new InferenceOptions { GpuMemoryTargetGb = gigabytes });

        Assert.Equal(bytes, Value(settings, "gpu_mem_limit"));
        Assert.Equal("gpu_mem_limit", settings.Options[1].Key);
    }

    [Fact]
    public void NoGpuMemoryTargetLeavesOrtsUncappedDefault()
    {
        Assert.DoesNotContain(CudaProviderSettings.From(new InferenceOptions()).Options, option => option.Key == "gpu_mem_limit");
    }

    [Fact]
    public void HeuristicSearchAndTf32OffAreHandedOn()
    {
        CudaProviderSettings settings = CudaProviderSettings.From(new InferenceOptions { CudnnConvAlgoSearch = CudnnConvAlgoSearch.Heuristic, UseTf32 = false });

        Assert.Equal("HEURISTIC", Value(settings, "cudnn_conv_algo_search"));
        Assert.Equal("0", Value(settings, "use_tf32"));
    }

    /// <summary>DEFAULT maps to cuDNN's fallback engine; no setting can ask for it.</summary>
    [Fact]
    public void DefaultConvAlgoSearchCannotBeRequested()
    {
        Assert.Equal(["Exhaustive", "Heuristic"], Enum.GetNames<CudnnConvAlgoSearch>());
        foreach (CudnnConvAlgoSearch search in Enum.GetValues<CudnnConvAlgoSearch>())
        {
            Assert.NotEqual("DEFAULT", Value(CudaProviderSettings.From(new InferenceOptions { CudnnConvAlgoSearch = search }), "cudnn_conv_algo_search"));
        }
    }

    private static string Value(CudaProviderSettings settings, string name) => Assert.Single(settings.Options, option => option.Key == name).Value;
}
