namespace SegEngine.Conversion.Onnx;

/// <summary>A node attribute: exactly one of an int, a list of ints or a float, as ONNX's <c>AttributeProto</c> holds it.</summary>
internal sealed record OnnxAttribute(string Name, long? Int, long[]? Ints, float? Float)
{
    public static OnnxAttribute Of(string name, long value) => new(name, value, null, null);

    public static OnnxAttribute Of(string name, IEnumerable<int> values) => new(name, null, values.Select(v => (long)v).ToArray(), null);

    public static OnnxAttribute Of(string name, float value) => new(name, null, null, value);
}

/// <summary>One operator of the graph (default ONNX domain).</summary>
internal sealed record OnnxNode(string Name, string OpType, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes);

/// <summary>
/// A float32 initializer. Its values come from the weights the model is written with, or, for <see cref="Constant"/>,
/// are that value everywhere (the unit scale of a non-affine InstanceNormalization, say).
/// </summary>
internal sealed record OnnxInitializer(string Name, long[] Dims, float? Constant)
{
    public long ElementCount => Dims.Aggregate(1L, (product, size) => product * size);
}

/// <summary>A float32 graph input or output; a null dimension is dynamic and named <see cref="OnnxGraphBuilder.BatchDimension"/>.</summary>
internal sealed record OnnxTensorType(string Name, long?[] Dims);

/// <summary>
/// An ONNX model being built: a single graph in the default domain, with float32 initializers and model metadata.
/// <see cref="OnnxModelWriter"/> serialises it.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    public const string BatchDimension = "batch";

    private readonly HashSet<string> names = [];

    public OnnxGraphBuilder(string graphName) => GraphName = graphName;

    public string GraphName { get; }

    public List<OnnxNode> Nodes { get; } = [];

    public List<OnnxInitializer> Initializers { get; } = [];

    public List<OnnxTensorType> Inputs { get; } = [];

    public List<OnnxTensorType> Outputs { get; } = [];

    /// <summary><c>metadata_props</c>, in insertion order.</summary>
    public List<KeyValuePair<string, string>> Metadata { get; } = [];

    /// <summary>Adds a node whose single output is named <paramref name="output"/> (default: the node name) and returns that name.</summary>
    public string AddNode(string name, string opType, string[] inputs, OnnxAttribute[]? attributes = null, string? output = null)
    {
        output ??= name;
        if (!names.Add("node:" + name) || !names.Add("value:" + output))
        {
            throw new InvalidOperationException($"duplicate node or value name {name} / {output}");
        }

        Nodes.Add(new OnnxNode(name, opType, inputs, [output], attributes ?? []));
        return output;
    }

    /// <summary>Adds an initializer once; a second request for the same name must have the same shape and returns it again.</summary>
    public string AddInitializer(string name, long[] dims, float? constant = null)
    {
        if (names.Add("value:" + name))
        {
            Initializers.Add(new OnnxInitializer(name, dims, constant));
        }
        else if (Initializers.Find(i => i.Name == name) is not { } existing || !existing.Dims.SequenceEqual(dims) || existing.Constant != constant)
        {
            throw new InvalidOperationException($"initializer {name} is defined twice differently");
        }

        return name;
    }
}
