using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// An ONNX <c>ModelProto</c> read in one pass over its file, weights skipped: the one reader of the ONNX wire format,
/// from which the model header, the memory estimate's graph and the graph rewrite's layout each take what they need.
/// </summary>
/// <remarks>
/// Bounded against hostile files: a graph or initializer, read in place, has its length checked against the file's size
/// before it is read, and a field running past the end of its message is refused; the smaller messages are read whole
/// by <see cref="CodedInputStream"/>, which reads a long one from the file in chunks, never allocating more than it finds.
/// A graph field given more than once is merged, as protobuf merges a repeated message field.
/// </remarks>
/// <param name="IrVersion"><c>ir_version</c>.</param>
/// <param name="ProducerName"><c>producer_name</c> ("" when absent).</param>
/// <param name="ProducerVersion"><c>producer_version</c> ("" when absent).</param>
/// <param name="DefaultOpset">The version of the default-domain opset import, or 0.</param>
/// <param name="Metadata"><c>metadata_props</c>.</param>
/// <param name="Fields">The model's fields other than its graph, in file order (tags included).</param>
/// <param name="Graph">The graph, or null when the file has none.</param>
internal sealed record OnnxModelContents(
    long IrVersion,
    string ProducerName,
    string ProducerVersion,
    long DefaultOpset,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<FileRange> Fields,
    OnnxGraphContents? Graph)
{
    /// <summary>Reads the ONNX file at <paramref name="path"/>; a malformed one is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static OnnxModelContents Read(string path)
    {
        try
        {
            using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            return Read(stream);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: not a valid ONNX model ({e.Message})", e);
        }
    }

    /// <summary>
    /// Reads <paramref name="stream"/>, a whole ONNX file from its start, or with <paramref name="upToGraph"/> only the
    /// model fields before the graph (whose <see cref="Graph"/> is then null): a look at what a writer put first that never
    /// reads through the weights. Throws <see cref="InvalidProtocolBufferException"/> or <see cref="InvalidDataException"/>
    /// on malformed input.
    /// </summary>
    public static OnnxModelContents Read(Stream stream, bool upToGraph = false)
    {
        long fileLength = stream.Length;
        using var input = new CodedInputStream(stream, leaveOpen: true);
        long irVersion = 0;
        long opset = 0;
        string producer = "";
        string producerVersion = "";
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = new List<FileRange>();
        OnnxGraphContents? graph = null;
        bool graphReached = false;
        for (long start = input.Position; !graphReached && input.ReadTag() is uint tag and not 0; start = input.Position)
        {
            bool delimited = ProtobufWire.IsDelimited(tag);
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ModelGraph when delimited && upToGraph:
                    graphReached = true;
                    continue;
                case ModelGraph when delimited:
                    OnnxGraphContents read = OnnxGraphContents.Read(input, fileLength);
                    graph = graph is null ? read : graph.MergedWith(read);
                    continue;
                case ModelIrVersion when ProtobufWire.IsVarint(tag):
                    irVersion = input.ReadInt64();
                    break;
                case ModelProducerName when delimited:
                    producer = input.ReadString();
                    break;
                case ModelProducerVersion when delimited:
                    producerVersion = input.ReadString();
                    break;
                case ModelOpsetImport when delimited:
                    (string domain, long version) = ReadOpset(input.ReadBytes());
                    if (domain is "" or "ai.onnx")
                    {
                        opset = version;
                    }

                    break;
                case ModelMetadataProps when delimited:
                    (string key, string value) = ReadEntry(input.ReadBytes());
                    metadata[key] = value;
                    break;
                default:
                    input.SkipLastField();
                    break;
            }

            fields.Add(new FileRange(start, input.Position - start));
        }

        return new OnnxModelContents(irVersion, producer, producerVersion, opset, metadata, fields, graph);
    }

    /// <summary>An ONNX <c>StringStringEntryProto</c> (metadata_props): key (field 1) and value (field 2).</summary>
    private static (string Key, string Value) ReadEntry(ByteString message)
    {
        var input = message.CreateCodedInput();
        string key = "";
        string value = "";
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case EntryKey when ProtobufWire.IsDelimited(tag):
                    key = input.ReadString();
                    break;
                case EntryValue when ProtobufWire.IsDelimited(tag):
                    value = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (key, value);
    }

    private static (string Domain, long Version) ReadOpset(ByteString message)
    {
        var input = message.CreateCodedInput();
        string domain = "";
        long version = 0;
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case OpsetDomain when ProtobufWire.IsDelimited(tag):
                    domain = input.ReadString();
                    break;
                case OpsetVersion when ProtobufWire.IsVarint(tag):
                    version = input.ReadInt64();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (domain, version);
    }
}
