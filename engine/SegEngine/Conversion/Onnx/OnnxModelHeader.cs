namespace SegEngine.Conversion.Onnx;

/// <summary>
/// The model-level fields of an ONNX file (IR version, producer, opsets, <c>metadata_props</c>) and its graph's inputs and
/// outputs, read by <see cref="OnnxModelContents"/> with the weights skipped, so it costs a read of the file, not a session.
/// </summary>
/// <param name="IrVersion"><c>ir_version</c>.</param>
/// <param name="ProducerName"><c>producer_name</c> ("" when absent).</param>
/// <param name="ProducerVersion"><c>producer_version</c> ("" when absent).</param>
/// <param name="DefaultOpset">The version of the default-domain opset import, or 0.</param>
/// <param name="Metadata"><c>metadata_props</c>.</param>
/// <param name="Inputs">The graph inputs that no initializer fills, as ONNX Runtime lists them.</param>
/// <param name="Outputs">The graph outputs.</param>
internal sealed record OnnxModelHeader(
    long IrVersion,
    string ProducerName,
    string ProducerVersion,
    long DefaultOpset,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs)
{
    /// <summary>Reads the header; a file that is not a well-formed ModelProto is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static OnnxModelHeader Read(string path)
    {
        OnnxModelContents model = OnnxModelContents.Read(path);
        OnnxGraphContents? graph = model.Graph;
        // As in ONNX Runtime's session metadata, an input that an initializer fills (older exports list them) is not an input.
        var initialized = graph?.Initializers.Select(initializer => initializer.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        return new OnnxModelHeader(
            model.IrVersion,
            model.ProducerName,
            model.ProducerVersion,
            model.DefaultOpset,
            model.Metadata,
            [.. (graph?.Inputs ?? []).Where(input => !initialized.Contains(input.Name))],
            graph?.Outputs ?? []);
    }
}
