using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The device choice against the real ONNX Runtime package this test build restored: the CPU package by default, the
/// CUDA 13 GPU package when built with -p:OrtFlavor=Gpu (tests/gpu-flavor.sh), on a machine without the CUDA libraries.
/// </summary>
[Collection(SharedFoldMemoryTests.Collection)]
public class DeviceSelectionTests
{
#if ORT_GPU
    private static readonly bool GpuPackage = true;
#else
    private static readonly bool GpuPackage = false;
#endif

    /// <summary>ORT 1.32's message when the provider library cannot find a CUDA library (recorded from the GPU package).</summary>
    private const string RecordedLoadFailure =
        "[ErrorCode:Fail] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:2059 onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() "
        + "[ONNXRuntimeError] : 1 : FAIL : Failed to load library /opt/app/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so with error: "
        + "libcublasLt.so.13: cannot open shared object file: No such file or directory\n";

    private static OnnxSignature SampleOnnx => ModelFolder.Load(TestPaths.SampleModel("2d")).Folds[0].Onnx!;

    [Fact]
    public void TheLoadedRuntimeIsTheFlavourThisTestBuildRestored()
    {
        Assert.Equal(GpuPackage, OrtEnv.Instance().GetAvailableProviders().Contains(CudaAvailability.ProviderName));
        Assert.Equal(GpuPackage, CudaAvailability.InThisBuild);
        Assert.StartsWith("1.32.", OrtEnv.Instance().GetVersionString(), StringComparison.Ordinal);
    }

    [Fact]
    public void CpuIsUsedWithoutAWord()
    {
        var warnings = new List<string>();
        using OrtTileNetwork model = OrtTileNetwork.Open(SampleOnnx, new InferenceOptions { Device = InferenceDevice.Cpu, Warning = warnings.Add });

        Assert.Equal(InferenceDevice.Cpu, model.Device);
        Assert.Empty(warnings);
    }

    [Fact]
    public void EveryFoldRunsWhereTheFirstOneDoesAndAFallbackIsSaidOnce()
    {
        string folder = ModelFixtures.CopySampleWithFolds("2d", 3);

        var warnings = new List<string>();
        using var model = SegModel.Load(folder, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Auto, Warning = warnings.Add } });

        Assert.Equal(3, model.Folder.Folds.Count);
        int cudaWarnings = warnings.Count(warning => warning.StartsWith("CUDA is not available", StringComparison.Ordinal));
        Assert.Equal(GpuPackage && model.Device == InferenceDevice.Cpu ? 1 : 0, cudaWarnings);
    }

#if ORT_GPU
    [Fact]
    public void AutoWithoutCudaLibrariesFallsBackWithOneLineNamingThem()
    {
        IReadOnlyList<string> missing = CudaAvailability.MissingLibraries();
        var warnings = new List<string>();
        using OrtTileNetwork model = OrtTileNetwork.Open(SampleOnnx, new InferenceOptions { Device = InferenceDevice.Auto, Warning = warnings.Add });

        if (missing.Count == 0)
        {
            Assert.Equal(InferenceDevice.Cuda, model.Device);
            Assert.Empty(warnings);
            return;
        }

        Assert.Equal(InferenceDevice.Cpu, model.Device);
        string warning = Assert.Single(warnings);
        Assert.DoesNotContain('\n', warning);
        Assert.StartsWith("CUDA is not available, running on the CPU: ", warning, StringComparison.Ordinal);
        Assert.All(missing, file => Assert.Contains(file, warning, StringComparison.Ordinal));
        Assert.Contains("LD_LIBRARY_PATH", warning, StringComparison.Ordinal);
        if (!NativeLibrary.TryLoad("libcudart.so.13", out _))
        {
            Assert.Contains("libcudart.so.13 (CUDA 13 runtime)", warning, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CudaWithoutCudaLibrariesFailsNamingThemAndWhatToInstall()
    {
        if (CudaAvailability.MissingLibraries().Count == 0)
        {
            using OrtTileNetwork model = OrtTileNetwork.Open(SampleOnnx, new InferenceOptions { Device = InferenceDevice.Cuda });
            Assert.Equal(InferenceDevice.Cuda, model.Device);
            return;
        }

        var error = Assert.Throws<SegEngineException>(() => OrtTileNetwork.Open(SampleOnnx, new InferenceOptions { Device = InferenceDevice.Cuda, GpuMemoryTargetGb = 4 }));

        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.StartsWith("device cuda was requested but CUDA is not usable: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("libcudart.so.13", error.Message, StringComparison.Ordinal);
        Assert.Contains("libcudnn.so.9 (cuDNN 9)", error.Message, StringComparison.Ordinal);
        Assert.Contains("install CUDA 13 (cudart, cuBLAS, cuRAND) and cuDNN 9", error.Message, StringComparison.Ordinal);
        Assert.IsType<OnnxRuntimeException>(error.InnerException);
    }
#else
    [Fact]
    public void AutoOnTheCpuPackageIsTheCpuWithoutAWord()
    {
        var warnings = new List<string>();
        using OrtTileNetwork model = OrtTileNetwork.Open(SampleOnnx, new InferenceOptions { Device = InferenceDevice.Auto, Warning = warnings.Add });

        Assert.Equal(InferenceDevice.Cpu, model.Device);
        Assert.Empty(warnings);
    }

    [Fact]
    public void CudaOnTheCpuPackageFailsNamingThePackageAndTheGpuBuild()
    {
        var error = Assert.Throws<SegEngineException>(
            () => OrtTileNetwork.Open(SampleOnnx, new InferenceOptions { Device = InferenceDevice.Cuda, GpuMemoryTargetGb = 4, CudnnConvAlgoSearch = CudnnConvAlgoSearch.Heuristic }));

        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains("CPU-only package (Microsoft.ML.OnnxRuntime)", error.Message, StringComparison.Ordinal);
        Assert.Contains("-p:OrtFlavor=Gpu", error.Message, StringComparison.Ordinal);
    }
#endif

    [Fact]
    public void LoadFailureKeepsTheLoadersReasonAndNamesEveryMissingLibrary()
    {
        string line = CudaAvailability.DescribeLoadFailure(RecordedLoadFailure, ["libcudart.so.13", "libcuda.so.1"]);

        Assert.Equal(
            "libcudart.so.13 (CUDA 13 runtime), libcuda.so.1 (NVIDIA driver) cannot be loaded (ONNX Runtime: libcublasLt.so.13: cannot open shared object file: "
            + "No such file or directory); " + CudaAvailability.InstallHint,
            line);
    }

    [Fact]
    public void LoadFailureWithEveryLibraryPresentGivesOrtsReason()
    {
        Assert.Equal(
            "ONNX Runtime could not create the CUDA execution provider (libcublasLt.so.13: cannot open shared object file: No such file or directory)",
            CudaAvailability.DescribeLoadFailure(RecordedLoadFailure, []));
    }

    [Fact]
    public void MissingCudnnIsNamedBeforeTheFirstConvolutionCouldFail()
    {
        Assert.Equal(
            "libcudnn.so.9 (cuDNN 9) cannot be loaded, and ONNX Runtime needs it at the first convolution; " + CudaAvailability.InstallHint,
            CudaAvailability.DescribeMissingCudnn());
    }

    [Fact]
    public void RunFailureInCudnnNamesCudnn()
    {
        string line = CudaAvailability.DescribeRunFailure("[ErrorCode:Fail] CUDNN failure 4000: CUDNN_STATUS_NOT_INITIALIZED ; GPU=0 ; expr=cudnnCreate(&cudnn_handle_);\nstack");

        Assert.StartsWith("the first CUDA run failed in cuDNN (", line, StringComparison.Ordinal);
        Assert.Contains("cuDNN 9 (libcudnn.so.9) must be installed", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
        Assert.Equal("the first CUDA run failed (CUDA error 2: out of memory)", CudaAvailability.DescribeRunFailure("CUDA error 2: out of memory"));
    }

    [Fact]
    public void FallBackWarnsOnceForAutoAndThrowsForCuda()
    {
        var warnings = new List<string>();
        InferenceOptions cpu = OrtSessionOptions.FallBackToCpu(new InferenceOptions { Device = InferenceDevice.Auto, UseTf32 = false, Warning = warnings.Add }, "reason", inner: null);

        Assert.Equal(InferenceDevice.Cpu, cpu.Device);
        Assert.False(cpu.UseTf32);
        Assert.Equal(["CUDA is not available, running on the CPU: reason"], warnings);

        var error = Assert.Throws<SegEngineException>(() => OrtSessionOptions.FallBackToCpu(new InferenceOptions { Device = InferenceDevice.Cuda, Warning = warnings.Add }, "reason", inner: null));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Equal("device cuda was requested but CUDA is not usable: reason", error.Message);
        Assert.Single(warnings);
    }
}
