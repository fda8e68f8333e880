namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Where the fields of an ONNX <c>ModelProto</c> lie in its file (as <see cref="OnnxModelContents"/> reads it), for a
/// rewrite that changes only the graph's nodes: every other field is kept as a byte range and copied unchanged, the nodes
/// are decoded, and of each initializer only its name, dims and where its float data lies are kept.
/// </summary>
/// <param name="ModelFields">The model's fields other than its graph, in file order (tags included).</param>
/// <param name="GraphFields">The graph's fields other than its nodes, in file order (tags included).</param>
/// <param name="Nodes">The graph's nodes in order.</param>
/// <param name="InitializerDims">Each initializer's dims, by name.</param>
/// <param name="InitializerFields">Each initializer's whole field among <paramref name="GraphFields"/>, by name.</param>
/// <param name="FloatData">The <c>raw_data</c> bytes of each float32 initializer stored so, by name.</param>
/// <param name="GraphInputs">The names of the graph's inputs (an old export lists its initializers among them).</param>
/// <param name="DefaultOpset">The default-domain opset version, 0 when the model imports none.</param>
internal sealed record OnnxModelLayout(
    IReadOnlyList<FileRange> ModelFields,
    IReadOnlyList<FileRange> GraphFields,
    IReadOnlyList<SourceNode> Nodes,
    IReadOnlyDictionary<string, long[]> InitializerDims,
    IReadOnlyDictionary<string, FileRange> InitializerFields,
    IReadOnlyDictionary<string, FileRange> FloatData,
    IReadOnlySet<string> GraphInputs,
    long DefaultOpset)
{
    /// <summary>Reads the layout of <paramref name="stream"/>, a whole ONNX file; throws as <see cref="OnnxModelContents.Read(Stream, bool)"/> does.</summary>
    public static OnnxModelLayout Read(Stream stream) => Of(OnnxModelContents.Read(stream));

    /// <summary>The layout of <paramref name="model"/>; a model without a graph is an <see cref="InvalidDataException"/>.</summary>
    public static OnnxModelLayout Of(OnnxModelContents model)
    {
        OnnxGraphContents graph = model.Graph ?? throw new InvalidDataException("the model has no graph");
        var dims = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var fields = new Dictionary<string, FileRange>(StringComparer.Ordinal);
        var floatData = new Dictionary<string, FileRange>(StringComparer.Ordinal);
        foreach (OnnxInitializerHeader initializer in graph.Initializers)
        {
            dims[initializer.Name] = initializer.Dims;
            fields[initializer.Name] = initializer.Field;
            if (initializer is { DataType: OnnxInitializerHeader.Float, RawData: FileRange data })
            {
                floatData[initializer.Name] = data;
            }
        }

        return new OnnxModelLayout(
            model.Fields,
            graph.Fields,
            graph.Nodes,
            dims,
            fields,
            floatData,
            graph.Inputs.Select(input => input.Name).ToHashSet(StringComparer.Ordinal),
            model.DefaultOpset);
    }
}
