using System.Text.Json;

namespace SegEngine.Tests.Cli;

/// <summary>
/// <c>-device</c> and the CUDA flags as a user meets them, against the ONNX Runtime package this test build restored
/// (the GPU package's run is tests/gpu-flavor.sh), on a machine without CUDA: what is printed, the exit code, the
/// provider options in <c>info</c> and in the report.
/// </summary>
public class DeviceFlagTests
{
    private static readonly string Model = TestPaths.SampleModel("2d");

    [Fact]
    public void AutoPredictsOnTheCpuSayingAtMostOneLineAndReportsTheCudaOptions()
    {
        string input = OneCaseFolder();
        string output = TestPaths.NewTempFolder();
        string report = Path.Combine(output, "report.json");

        (int exitCode, _, string stderr) = SegEngineProcess.Run(
            "predict", "-i", input, "-o", output, "-m", Model, "--disable_tta", "--report", report, "--use-tf32", "false", "--gpu-memory-target", "2");

        Assert.True(exitCode == 0, stderr);
        string[] warnings = stderr.Split('\n').Where(line => line.StartsWith("warning:", StringComparison.Ordinal)).ToArray();
#if ORT_GPU
        string warning = Assert.Single(warnings);
        Assert.StartsWith("warning: CUDA is not available, running on the CPU: ", warning, StringComparison.Ordinal);
        Assert.Contains("libcudart.so.13", warning, StringComparison.Ordinal);
#else
        Assert.Empty(warnings);
#endif
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(report));
        JsonElement runtime = json.RootElement.GetProperty("onnx_runtime");
        Assert.Equal("cpu", runtime.GetProperty("device").GetString());
        Assert.False(runtime.GetProperty("use_tf32").GetBoolean());
        JsonElement cuda = runtime.GetProperty("cuda_provider_options");
        Assert.Equal("2147483648", cuda.GetProperty("gpu_mem_limit").GetString());
        Assert.Equal("0", cuda.GetProperty("use_tf32").GetString());
        Assert.Equal("EXHAUSTIVE", cuda.GetProperty("cudnn_conv_algo_search").GetString());
        Assert.Equal("kSameAsRequested", cuda.GetProperty("arena_extend_strategy").GetString());
    }

    [Fact]
    public void CudaFailsWithOneErrorThatSaysWhatIsMissing()
    {
        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("predict", "-i", OneCaseFolder(), "-o", TestPaths.NewTempFolder(), "-m", Model, "-device", "cuda");

        Assert.Equal(1, exitCode);
        Assert.Empty(stdout);
        string error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
#if ORT_GPU
        Assert.StartsWith("error: device cuda was requested but CUDA is not usable: ", error, StringComparison.Ordinal);
        Assert.Contains("libcudart.so.13", error, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9", error, StringComparison.Ordinal);
#else
        Assert.StartsWith("error: device cuda was requested but this build uses ONNX Runtime's CPU-only package", error, StringComparison.Ordinal);
        Assert.Contains("-p:OrtFlavor=Gpu", error, StringComparison.Ordinal);
#endif
    }

    [Fact]
    public void DefaultConvAlgoSearchIsRefused()
    {
        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", OneCaseFolder(), "-o", TestPaths.NewTempFolder(), "-m", Model, "--cudnn-conv-algo-search", "default");

        Assert.Equal(2, exitCode);
        Assert.Contains("default", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void InfoPrintsWhetherCudaWouldRunAndItsProviderOptions()
    {
        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("info", "-m", Model, "--cudnn-conv-algo-search", "heuristic", "--use-tf32", "false");

        Assert.True(exitCode == 0, stderr);
        Assert.Contains(
            "cuda options        device_id=0, arena_extend_strategy=kSameAsRequested, cudnn_conv_algo_search=HEURISTIC, cudnn_conv_use_max_workspace=1, use_tf32=0, do_copy_in_default_stream=1\n",
            stdout,
            StringComparison.Ordinal);
#if ORT_GPU
        Assert.Contains("cuda                unavailable: libcudart.so.13 (CUDA 13 runtime)", stdout, StringComparison.Ordinal);
#else
        Assert.Contains("cuda                not in this build (ONNX Runtime's CPU package; build with -p:OrtFlavor=Gpu)\n", stdout, StringComparison.Ordinal);
#endif

        (_, string json, _) = SegEngineProcess.Run("info", "-m", Model, "--json", "--gpu-memory-target", "1");
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement cuda = document.RootElement.GetProperty("cuda");
        Assert.Equal("1073741824", cuda.GetProperty("provider_options").GetProperty("gpu_mem_limit").GetString());
        Assert.Equal("1", cuda.GetProperty("provider_options").GetProperty("use_tf32").GetString());
        Assert.False(string.IsNullOrEmpty(cuda.GetProperty("status").GetString()));
    }

    private static string OneCaseFolder()
    {
        string input = TestPaths.NewTempFolder();
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "case_003_0000.nii.gz"));
        return input;
    }
}
