using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Inference;

/// <summary>
/// The CUDA execution provider's options as ONNX Runtime 1.32 names them, made from <see cref="InferenceOptions"/>.
/// The same list is handed to ORT, printed by <c>segengine info</c> and written to the report, so what is shown is
/// what runs. Each value's reason is given where it is set.
/// </summary>
internal sealed class CudaProviderSettings
{
    private CudaProviderSettings(IReadOnlyList<KeyValuePair<string, string>> options) => Options = options;

    /// <summary>ORT option name → value, in a fixed order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; }

    public static CudaProviderSettings From(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var list = new List<KeyValuePair<string, string>>
        {
            // One process drives one GPU; CUDA_VISIBLE_DEVICES picks which (as for nnU-Net).
            new("device_id", "0"),
        };
        if (options.GpuMemoryTargetGb > 0)
        {
            // --gpu-memory-target caps the arena so that the tile batch, not ORT's greed, decides what fits next to
            // other processes on a shared GPU. Without it ORT's default (SIZE_MAX, no cap) stays.
            list.Add(new("gpu_mem_limit", ((long)(options.GpuMemoryTargetGb * (1L << 30))).ToString(CultureInfo.InvariantCulture)));
        }

        list.AddRange(
        [
            // Every tile has the same shapes, so the arena grows to one run's need once; the default
            // kNextPowerOfTwo would round each extension up and can reserve almost twice that.
            new("arena_extend_strategy", "kSameAsRequested"),
            // Benchmarks the candidates once per shape at warm-up, as nnU-Net's cudnn.benchmark does. DEFAULT is
            // never sent: it maps to cuDNN's fallback engine, far slower than either search.
            new("cudnn_conv_algo_search", options.CudnnConvAlgoSearch == CudnnConvAlgoSearch.Heuristic ? "HEURISTIC" : "EXHAUSTIVE"),
            // ORT's default since 1.14, set so that it does not hang on a default: with 0 the search only considers
            // algorithms whose workspace fits 32 MiB, which can rule out the fastest 3-D convolutions.
            new("cudnn_conv_use_max_workspace", "1"),
            // TF32 tensor cores for fp32 convolutions and GEMMs: PyTorch (so nnU-Net) allows TF32 in cuDNN
            // convolutions by default; --use-tf32 false gives full fp32 for parity checks.
            new("use_tf32", options.UseTf32 ? "1" : "0"),
            // Copies on the compute stream (ORT's default, set explicitly): ORT documents data races with separate copy
            // streams, and one Run of one tile has no independent work to overlap its copies with.
            new("do_copy_in_default_stream", "1"),
        ]);
        return new CudaProviderSettings(list);
    }

    /// <summary>Appends the CUDA execution provider with these options; throws ORT's exception when it cannot load.</summary>
    public void AppendTo(SessionOptions sessionOptions)
    {
        using var cuda = new OrtCUDAProviderOptions();
        cuda.UpdateOptions(Options.ToDictionary(option => option.Key, option => option.Value));
        sessionOptions.AppendExecutionProvider_CUDA(cuda);
    }

    /// <summary><c>name=value, …</c> for one log or <c>info</c> line.</summary>
    public override string ToString() => string.Join(", ", Options.Select(option => $"{option.Key}={option.Value}"));
}
