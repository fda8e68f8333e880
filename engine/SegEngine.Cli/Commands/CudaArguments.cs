using System.CommandLine;
using SegEngine.Inference;

namespace SegEngine.Cli.Commands;

/// <summary>
/// The CUDA execution provider's flags, shared by <c>predict</c> (which runs with them) and <c>info</c> (which prints
/// the provider options they make, as <see cref="CudaProviderSettings"/> hands them to ONNX Runtime).
/// </summary>
internal sealed class CudaArguments
{
    public Option<double> GpuMemoryTarget { get; } = new("--gpu-memory-target") { Description = "Cap of the CUDA memory arena in GB, gpu_mem_limit (0: no cap)" };

    public Option<CudnnConvAlgoSearch> CudnnConvAlgoSearch { get; } = new("--cudnn-conv-algo-search")
    {
        Description = "cuDNN convolution algorithm search: exhaustive (benchmark once per shape) or heuristic",
        DefaultValueFactory = _ => Inference.CudnnConvAlgoSearch.Exhaustive,
    };

    public Option<bool> UseTf32 { get; } = new("--use-tf32")
    {
        Description = "TF32 tensor cores for fp32 convolutions on CUDA, use_tf32 (true as in PyTorch; false: full fp32)",
        DefaultValueFactory = _ => true,
    };

    public void AddTo(Command command)
    {
        command.Add(GpuMemoryTarget);
        command.Add(CudnnConvAlgoSearch);
        command.Add(UseTf32);
    }

    /// <summary>The options with these flags' values.</summary>
    public InferenceOptions Apply(ParseResult parse, InferenceOptions options) => options with
    {
        GpuMemoryTargetGb = parse.GetValue(GpuMemoryTarget),
        CudnnConvAlgoSearch = parse.GetValue(CudnnConvAlgoSearch),
        UseTf32 = parse.GetValue(UseTf32),
    };
}
