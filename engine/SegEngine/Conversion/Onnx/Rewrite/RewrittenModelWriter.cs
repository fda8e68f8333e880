using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Writes a rewritten model: the source's model fields and graph fields copied byte for byte, the graph's nodes and
/// added int64 constants from a <see cref="RewrittenGraph"/>, and, first in the file, one <c>metadata_props</c> entry
/// that records what the file was made from, and an opset import for each operator domain the new nodes use.
/// </summary>
internal static class RewrittenModelWriter
{
    public static void Write(Stream source, OnnxModelLayout layout, RewrittenGraph graph, KeyValuePair<string, string> provenance, Stream destination)
    {
        List<ByteString> added =
        [
            .. graph.Nodes.Select(node => Field(GraphNode, node)),
            .. graph.Initializers.Select(c => Field(GraphInitializer, c.Encode())),
        ];
        var dropped = graph.Unread.Select(name => layout.InitializerFields[name]).ToHashSet();
        FileRange[] kept = [.. layout.GraphFields.Where(range => !dropped.Contains(range))];
        long graphLength = added.Sum(field => (long)field.Length) + kept.Sum(range => range.Length);
        if (graphLength > int.MaxValue)
        {
            throw new InvalidDataException($"the rewritten graph would take {graphLength} bytes, over protobuf's 2 GiB");
        }

        // The provenance goes first, so a cache check reads it without reading through the weights.
        Field(ModelMetadataProps, OnnxModelWriter.Encode(entry =>
        {
            OnnxModelWriter.WriteStringField(entry, EntryKey, provenance.Key);
            OnnxModelWriter.WriteStringField(entry, EntryValue, provenance.Value);
        })).WriteTo(destination);
        foreach (string domain in graph.Domains)
        {
            Field(ModelOpsetImport, OnnxModelWriter.Encode(opset =>
            {
                OnnxModelWriter.WriteStringField(opset, OpsetDomain, domain);
                opset.WriteTag(OpsetVersion, WireFormat.WireType.Varint);
                opset.WriteInt64(1);
            })).WriteTo(destination);
        }

        byte[] buffer = new byte[1 << 20];
        foreach (FileRange range in layout.ModelFields)
        {
            range.CopyTo(source, destination, buffer);
        }

        OnnxModelWriter.Encode(header =>
        {
            header.WriteTag(ModelGraph, WireFormat.WireType.LengthDelimited);
            header.WriteLength((int)graphLength);
        }).WriteTo(destination);
        foreach (ByteString field in added.Take(graph.Nodes.Count))
        {
            field.WriteTo(destination);
        }

        foreach (FileRange range in kept)
        {
            range.CopyTo(source, destination, buffer);
        }

        foreach (ByteString field in added.Skip(graph.Nodes.Count))
        {
            field.WriteTo(destination);
        }

    }

    private static ByteString Field(int number, ByteString message) => OnnxModelWriter.Encode(output => OnnxModelWriter.WriteMessageField(output, number, message));
}
