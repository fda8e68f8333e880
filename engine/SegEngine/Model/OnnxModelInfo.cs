using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Model;

/// <summary>One input or output of an ONNX graph.</summary>
/// <param name="Name">The graph's name for it, e.g. <c>input</c> or <c>logits</c>.</param>
/// <param name="ElementType">Element type as ONNX names it, e.g. <c>Float</c> or <c>Float16</c>.</param>
/// <param name="Dimensions">The shape; -1 marks a dynamic axis.</param>
/// <param name="DimensionNames">The symbolic name of each axis ("" for fixed or unnamed ones).</param>
internal sealed record OnnxTensorInfo(string Name, string ElementType, long[] Dimensions, string[] DimensionNames)
{
    public bool IsDynamic(int axis) => Dimensions[axis] < 0;

    /// <summary>The shape as text: fixed sizes as numbers, dynamic axes by name or <c>?</c>, e.g. <c>[batch, 1, 48, 64, 64]</c>.</summary>
    public string FormatShape() =>
        "[" + string.Join(", ", Dimensions.Select((size, axis) => size >= 0
            ? size.ToString(CultureInfo.InvariantCulture)
            : DimensionNames[axis].Length > 0 ? DimensionNames[axis] : "?")) + "]";
}

/// <summary>
/// The inputs and outputs of a fold's ONNX export, read through ONNX Runtime, and their agreement with the plans:
/// one input <c>N×C×patch</c>, one output <c>N×heads×patch</c> (deep supervision off).
/// </summary>
/// <remarks>
/// n_in and n_out as <c>nnUNetPredictor.initialize_from_trained_model_folder</c> builds the network (contract §1.4):
/// channels plus foreground labels for a cascade stage in, label-manager heads out.
/// </remarks>
internal sealed class OnnxModelInfo
{
    private OnnxModelInfo(string path, IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs, string producerName, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Inputs = inputs;
        Outputs = outputs;
        ProducerName = producerName;
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    /// <summary>The tool that wrote the file (<c>pytorch</c>, <c>SegEngine</c>, …).</summary>
    public string ProducerName { get; }

    /// <summary>The model's <c>metadata_props</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string InputName => Inputs[0].Name;

    public string OutputName => Outputs[0].Name;

    /// <summary>The batch axis of the input is dynamic; otherwise the model takes exactly <see cref="FixedBatchSize"/> tiles per run.</summary>
    public bool DynamicBatch => Inputs[0].IsDynamic(0);

    public int? FixedBatchSize => DynamicBatch ? null : (int)Inputs[0].Dimensions[0];

    /// <summary>Output channels (network heads), or null when the graph leaves that axis dynamic.</summary>
    public int? HeadCount => Outputs[0].IsDynamic(1) ? null : (int)Outputs[0].Dimensions[1];

    /// <summary>Opens the file with ONNX Runtime (CPU, no graph optimisation) and reads its input and output metadata.</summary>
    public static OnnxModelInfo Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"missing file {path}");
        }

        try
        {
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            using var session = new InferenceSession(path, options);
            return new OnnxModelInfo(
                path,
                session.InputNames.Select(name => Describe(name, session.InputMetadata[name])).ToArray(),
                session.OutputNames.Select(name => Describe(name, session.OutputMetadata[name])).ToArray(),
                session.ModelMetadata.ProducerName,
                new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap, StringComparer.Ordinal));
        }
        catch (OnnxRuntimeException e)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: ONNX Runtime cannot load it ({e.Message})", e);
        }
    }

    /// <summary>
    /// Checks the graph against the plans. Every mismatch is an <see cref="SegErrorCode.InvalidModel"/> error naming
    /// this file and both values. A dynamic axis is accepted; a fixed spatial axis must equal the patch size.
    /// </summary>
    public void CheckAgainst(ConfigurationPlan configuration, int inputChannels, int headCount, string plansPath)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1)
        {
            throw Mismatch(
                $"has {Inputs.Count} inputs and {Outputs.Count} outputs; an nnU-Net export has exactly 1 of each (deep supervision off)");
        }

        int rank = configuration.PatchSize.Length + 2;
        CheckTensor(Inputs[0], "input", rank, inputChannels, "channels", $"{inputChannels} input channels (dataset.json channel_names{(configuration.PreviousStage is null ? "" : " + cascade foreground labels")})", configuration, plansPath);
        CheckTensor(Outputs[0], "output", rank, headCount, "heads", $"{headCount} heads (dataset.json labels)", configuration, plansPath);
    }

    private void CheckTensor(OnnxTensorInfo tensor, string role, int rank, int channels, string channelWord, string channelSource, ConfigurationPlan configuration, string plansPath)
    {
        if (tensor.ElementType is not ("Float" or "Float16"))
        {
            throw Mismatch($"{role} '{tensor.Name}' has element type {tensor.ElementType}; expected Float or Float16");
        }

        if (tensor.Dimensions.Length != rank)
        {
            throw Mismatch(
                $"{role} '{tensor.Name}' has rank {tensor.Dimensions.Length} {tensor.FormatShape()}, but configuration '{configuration.Name}' " +
                $"({configuration.PatchSize.Length}-D patch in {plansPath}) needs rank {rank} (N, C, spatial)");
        }

        if (!tensor.IsDynamic(1) && tensor.Dimensions[1] != channels)
        {
            throw Mismatch($"{role} '{tensor.Name}' has {tensor.Dimensions[1]} {channelWord} {tensor.FormatShape()}, but the model folder defines {channelSource}");
        }

        for (int axis = 0; axis < configuration.PatchSize.Length; axis++)
        {
            long size = tensor.Dimensions[axis + 2];
            if (size >= 0 && size != configuration.PatchSize[axis])
            {
                throw Mismatch(
                    $"{role} '{tensor.Name}' has spatial size {size} on axis {axis} {tensor.FormatShape()}, but {plansPath} " +
                    $"configuration '{configuration.Name}' has patch_size [{string.Join(", ", configuration.PatchSize)}]");
            }
        }
    }

    private SegEngineException Mismatch(string problem) => new(SegErrorCode.InvalidModel, $"{Path}: {problem}");

    private static OnnxTensorInfo Describe(string name, NodeMetadata metadata)
    {
        if (!metadata.IsTensor)
        {
            return new OnnxTensorInfo(name, metadata.OnnxValueType.ToString(), [], []);
        }

        long[] dimensions = metadata.Dimensions.Select(size => (long)size).ToArray();
        string[] names = metadata.SymbolicDimensions.Length == dimensions.Length
            ? metadata.SymbolicDimensions.Select(symbol => symbol ?? "").ToArray()
            : new string[dimensions.Length].Select(_ => "").ToArray();
        string elementType = metadata.ElementDataType.ToString();
        return new OnnxTensorInfo(name, elementType, dimensions, names);
    }
}
