using SegEngine.Conversion.Onnx;

namespace SegEngine.Model;

/// <summary>
/// A fold's ONNX export as its file declares it (read without loading it into a runtime), checked against the model
/// folder: one float32 input (N, C, patch…) and one float32 output (N, K, patch…), N fixed at 1 or dynamic, every other
/// axis fixed and equal to what plans.json and dataset.json say. An instance exists only for a file that passed.
/// </summary>
/// <remarks>
/// These are the rules the sliding window can run: it fills and reads float32 tiles of the plans' patch size with
/// exactly C and K channels, and batches tiles only along a dynamic batch axis. An nnU-Net export has deep supervision
/// off, hence one output.
/// </remarks>
internal sealed class OnnxSignature
{
    private OnnxSignature(string path, OnnxModelHeader header, NetworkFacts network)
    {
        Path = path;
        Header = header;
        PatchSize = network.PatchSize;
    }

    public string Path { get; }

    /// <summary>Every input and output, the producer and the <c>metadata_props</c>, as the file has them.</summary>
    public OnnxModelHeader Header { get; }

    public OnnxTensorInfo Input => Header.Inputs[0];

    public OnnxTensorInfo Output => Header.Outputs[0];

    public int InputChannels => (int)Input.Dimensions[1];

    /// <summary>Output channels K, one per head (<see cref="LabelManager.HeadCount"/>).</summary>
    public int HeadCount => (int)Output.Dimensions[1];

    /// <summary>The spatial extent of input and output, equal to the configuration's patch size.</summary>
    public IReadOnlyList<int> PatchSize { get; }

    /// <summary>The batch axis of the input is dynamic; otherwise the model takes exactly <see cref="FixedBatchSize"/> tiles per run.</summary>
    public bool DynamicBatch => Input.IsDynamic(0);

    public int? FixedBatchSize => DynamicBatch ? null : (int)Input.Dimensions[0];

    /// <summary>
    /// Reads the file's inputs and outputs and checks them against <paramref name="network"/>. Every mismatch is an
    /// <see cref="SegErrorCode.InvalidModel"/> error naming the file and both values.
    /// </summary>
    public static OnnxSignature Read(string path, NetworkFacts network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!File.Exists(path))
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"missing file {path}");
        }

        OnnxModelHeader header = OnnxModelHeader.Read(path);
        var check = new Check(path, network);
        if (header.Inputs.Count != 1 || header.Outputs.Count != 1)
        {
            throw check.Mismatch(
                $"has {header.Inputs.Count} inputs and {header.Outputs.Count} outputs; an nnU-Net export has exactly 1 of each (deep supervision off)");
        }

        ConfigurationPlan configuration = network.Configuration;
        check.Tensor(
            header.Inputs[0], "input", network.InputChannels, "channels",
            $"{network.InputChannels} input channels (dataset.json channel_names{(configuration.PreviousStage is null ? "" : " + cascade foreground labels")})");
        check.Tensor(header.Outputs[0], "output", network.HeadCount, "heads", $"{network.HeadCount} heads (dataset.json labels)");
        return new OnnxSignature(path, header, network);
    }

    /// <summary>The checks of one tensor, with the file and the plans named in every message.</summary>
    private sealed class Check(string path, NetworkFacts network)
    {
        public void Tensor(OnnxTensorInfo tensor, string role, int channels, string channelWord, string channelSource)
        {
            ConfigurationPlan configuration = network.Configuration;
            int rank = configuration.PatchSize.Length + 2;
            if (tensor.ElementType != "Float")
            {
                throw Mismatch($"{role} '{tensor.Name}' has element type {tensor.ElementType}; expected Float (the sliding window runs float32 tiles)");
            }

            if (tensor.Dimensions.Length != rank)
            {
                throw Mismatch(
                    $"{role} '{tensor.Name}' has rank {tensor.Dimensions.Length} {tensor.FormatShape()}, but configuration '{configuration.Name}' " +
                    $"({configuration.PatchSize.Length}-D patch in {network.PlansPath}) needs rank {rank} (N, C, spatial)");
            }

            if (!tensor.IsDynamic(0) && tensor.Dimensions[0] != 1)
            {
                throw Mismatch($"{role} '{tensor.Name}' has a fixed batch of {tensor.Dimensions[0]} {tensor.FormatShape()}; only 1 or a dynamic batch axis are supported");
            }

            if (tensor.Dimensions[1] != channels)
            {
                string size = tensor.IsDynamic(1) ? $"a dynamic number of {channelWord}" : $"{tensor.Dimensions[1]} {channelWord}";
                throw Mismatch($"{role} '{tensor.Name}' has {size} {tensor.FormatShape()}, but the model folder defines {channelSource}");
            }

            for (int axis = 0; axis < configuration.PatchSize.Length; axis++)
            {
                long size = tensor.Dimensions[axis + 2];
                if (size != configuration.PatchSize[axis])
                {
                    string extent = size < 0 ? "a dynamic spatial size" : $"spatial size {size}";
                    throw Mismatch(
                        $"{role} '{tensor.Name}' has {extent} on axis {axis} {tensor.FormatShape()}, but {network.PlansPath} " +
                        $"configuration '{configuration.Name}' has patch_size [{string.Join(", ", configuration.PatchSize)}]");
                }
            }
        }

        public SegEngineException Mismatch(string problem) => new(SegErrorCode.InvalidModel, $"{path}: {problem}");
    }
}
