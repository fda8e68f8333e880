using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Inference;

/// <summary>
/// ONNX Runtime session options for <see cref="InferenceOptions"/>, and the device choice: <c>cpu</c> as asked;
/// <c>auto</c> is the CPU without a word on the CPU package, CUDA with the GPU package when its libraries load, else
/// the CPU with one warning naming what is missing; <c>cuda</c> fails with that same reason instead of falling back.
/// </summary>
internal static class OrtSessionOptions
{
    public static SessionOptions Create(InferenceOptions options, out InferenceDevice device)
    {
        ArgumentNullException.ThrowIfNull(options);
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // On the CPU the arena alone keeps every tensor warm from the first run on; the memory-pattern block, allocated
            // only at the second run, would hold the same activations a second time (perf/results/network.md).
            EnableMemoryPattern = false,
            EnableCpuMemArena = true,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads,
            InterOpNumThreads = 1,
        };

        // Spinning workers keep a core busy after every run, while the aggregation and the export want both cores; the
        // realistic scale case aggregates 10-20 % faster without it, and ORT's own runs are no slower (perf/results/scale.md).
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");

        device = InferenceDevice.Cpu;
        if (options.Device == InferenceDevice.Cpu)
        {
            return sessionOptions;
        }

        if (!CudaAvailability.InThisBuild)
        {
            // auto on the CPU package means the CPU: nothing was missed, so nothing is said.
            if (options.Device == InferenceDevice.Cuda)
            {
                sessionOptions.Dispose();
                throw new SegEngineException(
                    SegErrorCode.Unsupported,
                    "device cuda was requested but this build uses ONNX Runtime's CPU-only package (Microsoft.ML.OnnxRuntime); "
                    + "build with -p:OrtFlavor=Gpu (docs/gpu.md), or use device auto or cpu");
            }

            return sessionOptions;
        }

        string? unavailable;
        OnnxRuntimeException? failure = null;
        try
        {
            CudaProviderSettings.From(options).AppendTo(sessionOptions);
            // cuDNN is loaded at the first convolution, not here (ORT ≥ 1.28): check it now so the choice is made once.
            unavailable = CudaAvailability.MissingLibraries().Contains("libcudnn.so.9") ? CudaAvailability.DescribeMissingCudnn() : null;
        }
        catch (OnnxRuntimeException e)
        {
            failure = e;
            unavailable = CudaAvailability.DescribeLoadFailure(e.Message, CudaAvailability.MissingLibraries());
        }

        if (unavailable is null)
        {
            device = InferenceDevice.Cuda;
            sessionOptions.EnableMemoryPattern = true;
            return sessionOptions;
        }

        // A session options object that took a provider half-way is not reused for the CPU.
        sessionOptions.Dispose();
        return Create(FallBackToCpu(options, unavailable, failure), out device);
    }

    /// <summary>
    /// After CUDA turned out unusable: for <c>auto</c>, warns once and returns the same options on the CPU; for
    /// <c>cuda</c>, throws <see cref="SegErrorCode.Unsupported"/> with the reason.
    /// </summary>
    public static InferenceOptions FallBackToCpu(InferenceOptions options, string reason, Exception? inner)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Device == InferenceDevice.Cuda)
        {
            string message = $"device cuda was requested but CUDA is not usable: {reason}";
            throw inner is null ? new SegEngineException(SegErrorCode.Unsupported, message) : new SegEngineException(SegErrorCode.Unsupported, message, inner);
        }

        options.Warning?.Invoke($"CUDA is not available, running on the CPU: {reason}");
        return options with { Device = InferenceDevice.Cpu };
    }
}
