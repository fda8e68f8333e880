using SegEngine.Conversion.Onnx;

namespace SegEngine.Inference;

/// <summary>
/// The nodes of an ONNX graph in file order (ONNX requires topological order) with their integer attributes, the
/// dimensions of every initializer and every shape the file declares (inputs, outputs, <c>value_info</c>): what
/// <see cref="ActivationMemoryEstimate"/> needs. Weights are skipped, not read.
/// </summary>
internal sealed record OnnxGraphNodes(
    IReadOnlyList<OnnxGraphNodes.Node> Nodes,
    IReadOnlyDictionary<string, long[]> Initializers,
    IReadOnlyDictionary<string, long[]> DeclaredShapes,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs)
{
    /// <summary>One node: its operator, input and output names ("" for an omitted optional input) and integer attributes.</summary>
    internal sealed record Node(string OpType, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, long[]> Ints, IReadOnlyDictionary<string, string> Strings);

    /// <summary>Reads the graph of an ONNX file; a malformed file is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static OnnxGraphNodes Read(string path) => Of(OnnxModelContents.Read(path).Graph);

    /// <summary>What the estimate needs of <paramref name="graph"/> (none when the file has no graph).</summary>
    public static OnnxGraphNodes Of(OnnxGraphContents? graph)
    {
        var initializers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        if (graph is null)
        {
            return new OnnxGraphNodes([], initializers, shapes, [], []);
        }

        foreach (OnnxInitializerHeader initializer in graph.Initializers)
        {
            initializers[initializer.Name] = initializer.Dims;
        }

        foreach (OnnxTensorInfo info in graph.Inputs.Concat(graph.Outputs).Concat(graph.ValueInfos))
        {
            if (info.Dimensions.Length > 0 && info.Dimensions.All(d => d > 0))
            {
                shapes[info.Name] = info.Dimensions;
            }
        }

        return new OnnxGraphNodes(
            [.. graph.Nodes.Select(node => new Node(node.OpType, node.Inputs, node.Outputs, node.IntAttributes, node.StringAttributes))],
            initializers,
            shapes,
            [.. graph.Inputs.Select(input => input.Name)],
            [.. graph.Outputs.Select(output => output.Name)]);
    }
}
