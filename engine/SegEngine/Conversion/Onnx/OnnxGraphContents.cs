using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// An ONNX <c>GraphProto</c> read in place from its file: the nodes decoded, of each initializer only what it says of
/// itself (the weights are skipped, never held in memory), the declared values, and where each field other than a node
/// lies in the file.
/// </summary>
/// <param name="Fields">The graph's fields other than its nodes, in file order (tags included).</param>
/// <param name="Nodes">The nodes in file order, which ONNX requires to be topological.</param>
/// <param name="Initializers">The initializers in file order.</param>
/// <param name="Inputs">The graph's inputs, initializers listed among them (as older exports do) included.</param>
/// <param name="Outputs">The graph's outputs.</param>
/// <param name="ValueInfos">The graph's <c>value_info</c>: shapes it declares for values inside it.</param>
internal sealed record OnnxGraphContents(
    IReadOnlyList<FileRange> Fields,
    IReadOnlyList<SourceNode> Nodes,
    IReadOnlyList<OnnxInitializerHeader> Initializers,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs,
    IReadOnlyList<OnnxTensorInfo> ValueInfos)
{
    /// <summary>Reads the length-delimited graph the stream stands at, up to its end.</summary>
    public static OnnxGraphContents Read(CodedInputStream input, long fileLength)
    {
        long end = ProtobufWire.MessageEnd(input, fileLength);
        var fields = new List<FileRange>();
        var nodes = new List<SourceNode>();
        var initializers = new List<OnnxInitializerHeader>();
        var inputs = new List<OnnxTensorInfo>();
        var outputs = new List<OnnxTensorInfo>();
        var valueInfos = new List<OnnxTensorInfo>();
        while (input.Position < end)
        {
            long start = input.Position;
            uint tag = input.ReadTag();
            bool delimited = ProtobufWire.IsDelimited(tag);
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case GraphNode when delimited:
                    // Decoded, not kept as a field: a rewrite writes the nodes anew.
                    nodes.Add(SourceNode.Decode(input.ReadBytes()));
                    ProtobufWire.EnsureWithin(input, end);
                    continue;
                case GraphInitializer when delimited:
                    initializers.Add(OnnxInitializerHeader.Read(input, start, fileLength));
                    break;
                case GraphInput when delimited:
                    inputs.Add(OnnxTensorInfo.Read(input.ReadBytes()));
                    break;
                case GraphOutput when delimited:
                    outputs.Add(OnnxTensorInfo.Read(input.ReadBytes()));
                    break;
                case GraphValueInfo when delimited:
                    valueInfos.Add(OnnxTensorInfo.Read(input.ReadBytes()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }

            ProtobufWire.EnsureWithin(input, end);
            fields.Add(new FileRange(start, input.Position - start));
        }

        return new OnnxGraphContents(fields, nodes, initializers, inputs, outputs, valueInfos);
    }

    /// <summary>This graph with a later occurrence of the graph field merged in, as protobuf merges a repeated message field.</summary>
    public OnnxGraphContents MergedWith(OnnxGraphContents later) => new(
        [.. Fields, .. later.Fields],
        [.. Nodes, .. later.Nodes],
        [.. Initializers, .. later.Initializers],
        [.. Inputs, .. later.Inputs],
        [.. Outputs, .. later.Outputs],
        [.. ValueInfos, .. later.ValueInfos]);
}
