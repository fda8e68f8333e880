using Google.Protobuf;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Where the fields of an ONNX <c>ModelProto</c> lie in its file, for a rewrite that changes only the graph's nodes:
/// every other field is kept as a byte range and copied unchanged, the nodes are decoded, and of each initializer only
/// its name, dims and where its float data lies are read, so the weights are never held in memory.
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
    // ModelProto, OperatorSetIdProto
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;
    private const int OpsetDomain = 1;
    private const int OpsetVersion = 2;

    // GraphProto, TensorProto
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int ValueInfoName = 1;
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int DataTypeFloat = 1;

    /// <summary>Reads the layout of <paramref name="stream"/>, a whole ONNX file; throws <see cref="InvalidProtocolBufferException"/> on malformed input.</summary>
    public static OnnxModelLayout Read(Stream stream)
    {
        using var input = new CodedInputStream(stream, leaveOpen: true);
        var modelFields = new List<FileRange>();
        var graphFields = new List<FileRange>();
        var nodes = new List<SourceNode>();
        var initializers = new Initializers();
        long opset = 0;
        bool graphSeen = false;
        for (long start = input.Position; input.ReadTag() is uint tag and not 0; start = input.Position)
        {
            bool delimited = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ModelGraph when delimited && !graphSeen:
                    graphSeen = true;
                    ReadGraph(input, graphFields, nodes, initializers);
                    break;
                case ModelOpsetImport when delimited:
                    (string domain, long version) = ReadOpset(input.ReadBytes());
                    if (domain is "" or "ai.onnx")
                    {
                        opset = version;
                    }

                    modelFields.Add(new FileRange(start, input.Position - start));
                    break;
                default:
                    input.SkipLastField();
                    modelFields.Add(new FileRange(start, input.Position - start));
                    break;
            }
        }

        if (!graphSeen)
        {
            throw new InvalidDataException("the model has no graph");
        }

        return new OnnxModelLayout(modelFields, graphFields, nodes, initializers.Dims, initializers.Fields, initializers.FloatData, initializers.GraphInputs, opset);
    }

    private static void ReadGraph(CodedInputStream input, List<FileRange> fields, List<SourceNode> nodes, Initializers initializers)
    {
        int length = input.ReadLength();
        long end = input.Position + length;
        while (input.Position < end)
        {
            long start = input.Position;
            uint tag = input.ReadTag();
            bool delimited = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case GraphNode when delimited:
                    nodes.Add(SourceNode.Decode(input.ReadBytes()));
                    break;
                case GraphInitializer when delimited:
                    (string name, long[] shape, FileRange? floats) = ReadInitializerHeader(input);
                    var field = new FileRange(start, input.Position - start);
                    initializers.Dims[name] = shape;
                    initializers.Fields[name] = field;
                    if (floats is FileRange data)
                    {
                        initializers.FloatData[name] = data;
                    }

                    fields.Add(field);
                    break;
                case GraphInput when delimited:
                    initializers.GraphInputs.Add(ReadValueInfoName(input.ReadBytes()));
                    fields.Add(new FileRange(start, input.Position - start));
                    break;
                default:
                    input.SkipLastField();
                    fields.Add(new FileRange(start, input.Position - start));
                    break;
            }
        }
    }

    /// <summary>
    /// The name and dims of the TensorProto at the stream's position and, for float32 <c>raw_data</c>, where that lies;
    /// skips its data in place.
    /// </summary>
    private static (string Name, long[] Dims, FileRange? FloatData) ReadInitializerHeader(CodedInputStream input)
    {
        int length = input.ReadLength();
        long end = input.Position + length;
        string name = "";
        var dims = new List<long>();
        long dataType = 0;
        FileRange? raw = null;
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            WireFormat.WireType wire = WireFormat.GetTagWireType(tag);
            int field = WireFormat.GetTagFieldNumber(tag);
            if (field == TensorDims && wire == WireFormat.WireType.Varint)
            {
                dims.Add(input.ReadInt64());
            }
            else if (field == TensorDims && wire == WireFormat.WireType.LengthDelimited)
            {
                var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                while (!packed.IsAtEnd)
                {
                    dims.Add(packed.ReadInt64());
                }
            }
            else if (field == TensorName && wire == WireFormat.WireType.LengthDelimited)
            {
                name = input.ReadString();
            }
            else if (field == TensorDataType && wire == WireFormat.WireType.Varint)
            {
                dataType = input.ReadInt64();
            }
            else if (field == TensorRawData && wire == WireFormat.WireType.LengthDelimited)
            {
                // The bytes follow their length's varint: the field's end less its length is where they start.
                long afterTag = input.Position;
                input.SkipLastField();
                long fieldEnd = input.Position;
                int bytes = Enumerable.Range(1, 5).Select(size => (int)(fieldEnd - afterTag - size)).First(b => CodedOutputStream.ComputeLengthSize(b) == fieldEnd - afterTag - b);
                raw = new FileRange(fieldEnd - bytes, bytes);
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (name, [.. dims], dataType == DataTypeFloat ? raw : null);
    }

    private static string ReadValueInfoName(ByteString message)
    {
        var input = new CodedInputStream(message.ToByteArray());
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            if (WireFormat.GetTagFieldNumber(tag) == ValueInfoName && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return "";
    }

    /// <summary>What <see cref="Read"/> collects of the initializers and the graph's inputs.</summary>
    private sealed class Initializers
    {
        public HashSet<string> GraphInputs { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long[]> Dims { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, FileRange> Fields { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, FileRange> FloatData { get; } = new(StringComparer.Ordinal);
    }

    private static (string Domain, long Version) ReadOpset(ByteString message)
    {
        var input = new CodedInputStream(message.ToByteArray());
        string domain = "";
        long version = 0;
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case OpsetDomain when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    domain = input.ReadString();
                    break;
                case OpsetVersion when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
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
