namespace SegEngine.Inference;

/// <summary>Where the network runs.</summary>
public enum InferenceDevice
{
    /// <summary>
    /// CUDA when the ONNX Runtime build and the machine provide it, otherwise the CPU: silently with the CPU package,
    /// with one warning naming what is missing with the GPU package.
    /// </summary>
    Auto,
    /// <summary>The CPU execution provider.</summary>
    Cpu,
    /// <summary>The CUDA execution provider; failing to create it is an error.</summary>
    Cuda,
}

/// <summary>
/// cuDNN convolution algorithm search of the CUDA execution provider (<c>cudnn_conv_algo_search</c>). ORT's third
/// value, DEFAULT, is deliberately absent: it maps to cuDNN's fallback engine and is far slower than either search.
/// </summary>
public enum CudnnConvAlgoSearch
{
    /// <summary>Benchmarks the candidates once per shape (ORT's default; closest to nnU-Net's cudnn.benchmark).</summary>
    Exhaustive,
    /// <summary>cuDNN's heuristics, no benchmarking.</summary>
    Heuristic,
}

/// <summary>
/// What a user chooses for the sliding-window prediction and the network runtime. What the model itself dictates
/// (patch size, channels, heads, mirroring axes) comes from the model folder instead (<c>NetworkFacts</c>).
/// </summary>
/// <remarks>nnU-Net's <c>nnUNetPredictor</c> constructor arguments and CLI flags (nnunet-parity.md §4, §7).</remarks>
public sealed record InferenceOptions
{
    public InferenceDevice Device { get; init; } = InferenceDevice.Auto;

    /// <summary>ORT intra-op threads on the CPU; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Cap of the CUDA arena in GB (<c>gpu_mem_limit</c>); 0 leaves ORT's default (no cap).</summary>
    public double GpuMemoryTargetGb { get; init; }

    public CudnnConvAlgoSearch CudnnConvAlgoSearch { get; init; } = CudnnConvAlgoSearch.Exhaustive;

    /// <summary>
    /// TF32 tensor cores for fp32 convolutions and GEMMs on CUDA (<c>use_tf32</c>); on by default as in PyTorch's cuDNN
    /// convolutions. Off gives full fp32 arithmetic, for parity checks against the CPU.
    /// </summary>
    public bool UseTf32 { get; init; } = true;

    /// <summary>Mirroring test-time augmentation (nnU-Net's <c>use_mirroring</c>; <c>--disable_tta</c> turns it off).</summary>
    public bool UseMirroring { get; init; } = true;

    /// <summary>Tile step as a fraction of the patch, in (0, 1] (nnU-Net's <c>tile_step_size</c>).</summary>
    public double StepSize { get; init; } = 0.5;

    /// <summary>Tiles per network run when the model has a dynamic batch axis; 0 lets the memory plan choose.</summary>
    public int BatchSize { get; init; }

    /// <summary>Runs a tile's mirrored copies as one batch (needs a dynamic batch axis); same results, fewer runs.</summary>
    public bool BatchMirrors { get; init; }

    /// <summary>Host memory budget in GB for the inference stage; 0 means unlimited.</summary>
    public double MemoryBudgetGb { get; init; }

    /// <summary>Writes ORT's optimised graph next to the model (<c>model.optimized.onnx</c>) and loads it next time.</summary>
    public bool SaveOptimizedModel { get; init; }

    /// <summary>
    /// On the CPU, runs the model's stride-1 3-D convolutions as 2-D convolutions over depth slices on ORT's NCHWc
    /// kernels (a graph rewrite cached beside the model, docs/graph-rewrite.md); same results up to float rounding.
    /// Off by default until <c>perf/run network-rewrite</c> shows it winning on a real-size network.
    /// </summary>
    public bool GraphRewrite { get; init; }

    /// <summary>Receives warnings (device fallback, slow settings). The engine never writes to the console itself.</summary>
    public Action<string>? Warning { get; init; }

    /// <summary>Checks ranges; throws <see cref="ArgumentOutOfRangeException"/> naming the property.</summary>
    public void Validate()
    {
        if (Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be 0 (all cores) or positive");
        }

        if (!(GpuMemoryTargetGb >= 0) || double.IsInfinity(GpuMemoryTargetGb))
        {
            throw new ArgumentOutOfRangeException(nameof(GpuMemoryTargetGb), GpuMemoryTargetGb, "must be 0 (no cap) or a positive number of GB");
        }

        if (!(StepSize > 0 && StepSize <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(StepSize), StepSize, "must be in (0, 1] as in nnU-Net's -step_size");
        }

        if (BatchSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be 0 (planned) or positive");
        }

        if (!(MemoryBudgetGb >= 0) || double.IsInfinity(MemoryBudgetGb))
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryBudgetGb), MemoryBudgetGb, "must be 0 (unlimited) or a positive number of GB");
        }
    }
}
