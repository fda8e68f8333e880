using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Inference;

/// <summary>
/// Whether this process can run the CUDA execution provider, and if not, which library is missing and what to install.
/// The GPU package's <c>libonnxruntime_providers_cuda.so</c> (ORT 1.32) links the CUDA 13 libraries below and the
/// driver, and loads cuDNN 9 only at the first convolution, so a missing cuDNN is checked here before it can fail a run.
/// </summary>
internal static class CudaAvailability
{
    public const string ProviderName = "CUDAExecutionProvider";

    public const string InstallHint =
        "install CUDA 13 (cudart, cuBLAS, cuRAND) and cuDNN 9 and put their lib folders on LD_LIBRARY_PATH, e.g. the "
        + "nvidia/cu13/lib and nvidia/cudnn/lib folders of PyTorch's cu130 wheels (docs/gpu.md)";

    /// <summary>The libraries the provider needs, as the loader names them, with what each one is.</summary>
    public static IReadOnlyList<(string File, string What)> Libraries { get; } =
    [
        ("libcudart.so.13", "CUDA 13 runtime"),
        ("libcublas.so.13", "cuBLAS"),
        ("libcublasLt.so.13", "cuBLASLt"),
        ("libcurand.so.10", "cuRAND"),
        ("libcudnn.so.9", "cuDNN 9"),
        ("libcuda.so.1", "NVIDIA driver"),
    ];

    /// <summary>Whether the loaded ONNX Runtime was built with the CUDA provider (the GPU package), whatever the machine has.</summary>
    public static bool InThisBuild => OrtEnv.Instance().GetAvailableProviders().Contains(ProviderName);

    /// <summary>
    /// The <see cref="Libraries"/> the dynamic loader cannot open, by name (LD_LIBRARY_PATH, the loader cache) or beside
    /// <c>libonnxruntime.so</c>, where the provider's RUNPATH <c>$ORIGIN</c> would also find them.
    /// </summary>
    public static IReadOnlyList<string> MissingLibraries()
    {
        string? runtimeFolder = OnnxRuntimeFolder();
        var missing = new List<string>();
        foreach ((string file, _) in Libraries)
        {
            if (!CanLoad(file) && (runtimeFolder is null || !CanLoad(Path.Combine(runtimeFolder, file))))
            {
                missing.Add(file);
            }
        }

        return missing;
    }

    /// <summary>One line for a provider that could not be created: the missing libraries, ORT's own reason, what to install.</summary>
    public static string DescribeLoadFailure(string ortMessage, IReadOnlyList<string> missing)
    {
        string reason = LoaderReason(ortMessage);
        return missing.Count == 0
            ? $"ONNX Runtime could not create the CUDA execution provider ({reason})"
            : $"{Name(missing)} cannot be loaded (ONNX Runtime: {reason}); {InstallHint}";
    }

    /// <summary>One line for cuDNN missing while the rest of CUDA loaded: ORT would fail at the first convolution.</summary>
    public static string DescribeMissingCudnn() =>
        $"{Name(["libcudnn.so.9"])} cannot be loaded, and ONNX Runtime needs it at the first convolution; {InstallHint}";

    /// <summary>One line for a CUDA session whose first run failed (a cuDNN that is missing or does not match, no device, out of memory).</summary>
    public static string DescribeRunFailure(string ortMessage)
    {
        string reason = FirstLine(ortMessage);
        return reason.Contains("cudnn", StringComparison.OrdinalIgnoreCase)
            ? $"the first CUDA run failed in cuDNN ({reason}); cuDNN 9 (libcudnn.so.9) must be installed: {InstallHint}"
            : $"the first CUDA run failed ({reason})";
    }

    /// <summary>For <c>segengine info</c>: whether CUDA would be used, and if not, why.</summary>
    public static string Summary()
    {
        if (!InThisBuild)
        {
            return "not in this build (ONNX Runtime's CPU package; build with -p:OrtFlavor=Gpu)";
        }

        IReadOnlyList<string> missing = MissingLibraries();
        return missing.Count == 0 ? "available (CUDA 13 and cuDNN 9 libraries found)" : $"unavailable: {Name(missing)} cannot be loaded; {InstallHint}";
    }

    private static string Name(IReadOnlyList<string> files) =>
        string.Join(", ", files.Select(file => $"{file} ({Libraries.First(library => library.File == file).What})"));

    /// <summary>The loader's words from ORT's "Failed to load library … with error: X", else ORT's first line.</summary>
    private static string LoaderReason(string ortMessage)
    {
        string line = FirstLine(ortMessage);
        const string marker = "with error: ";
        int at = line.LastIndexOf(marker, StringComparison.Ordinal);
        return at < 0 ? line : line[(at + marker.Length)..];
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static bool CanLoad(string file)
    {
        if (!NativeLibrary.TryLoad(file, out IntPtr handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    /// <summary>The folder of the <c>libonnxruntime.so</c> this process mapped (Linux), or null.</summary>
    private static string? OnnxRuntimeFolder()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return null;
        }

        _ = OrtEnv.Instance();
        string? library = File.ReadLines(maps)
            .Select(line => line[(line.IndexOf('/') is var at and >= 0 ? at : line.Length)..])
            .FirstOrDefault(path => path.EndsWith("/libonnxruntime.so", StringComparison.Ordinal));
        return library is null ? null : Path.GetDirectoryName(library);
    }
}
