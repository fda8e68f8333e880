using Google.Protobuf;
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
    private const int ModelGraph = 7;
    private const int GraphNode = 1;
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int GraphValueInfo = 13;
    private const int NodeInput = 1;
    private const int NodeOutput = 2;
    private const int NodeOpType = 4;
    private const int NodeAttribute = 5;
    private const int AttributeName = 1;
    private const int AttributeInt = 3;
    private const int AttributeInts = 8;
    private const int AttributeString = 4;
    private const int TensorDims = 1;
    private const int TensorName = 8;

    /// <summary>One node: its operator, input and output names ("" for an omitted optional input) and integer attributes.</summary>
    internal sealed record Node(string OpType, string[] Inputs, string[] Outputs, IReadOnlyDictionary<string, long[]> Ints, IReadOnlyDictionary<string, string> Strings);

    /// <summary>Reads the graph of an ONNX file; a malformed file is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static OnnxGraphNodes Read(string path)
    {
        var nodes = new List<Node>();
        var initializers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var inputs = new List<string>();
        var outputs = new List<string>();
        try
        {
            using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            using var input = new CodedInputStream(stream, leaveOpen: true);
            for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
            {
                if (WireFormat.GetTagFieldNumber(tag) != ModelGraph || !IsMessage(tag))
                {
                    input.SkipLastField();
                    continue;
                }

                ForEachField(input, graphTag =>
                {
                    switch (WireFormat.GetTagFieldNumber(graphTag))
                    {
                        case GraphNode when IsMessage(graphTag):
                            nodes.Add(ReadNode(new CodedInputStream(input.ReadBytes().ToByteArray())));
                            break;
                        case GraphInitializer when IsMessage(graphTag):
                            (string name, long[] dims) = ReadInitializer(input);
                            initializers[name] = dims;
                            break;
                        case GraphInput or GraphOutput or GraphValueInfo when IsMessage(graphTag):
                            OnnxTensorInfo info = OnnxGraphSignature.ReadValueInfo(new CodedInputStream(input.ReadBytes().ToByteArray()));
                            if (info.Dimensions.Length > 0 && info.Dimensions.All(d => d > 0))
                            {
                                shapes[info.Name] = [.. info.Dimensions];
                            }

                            if (WireFormat.GetTagFieldNumber(graphTag) == GraphInput)
                            {
                                inputs.Add(info.Name);
                            }
                            else if (WireFormat.GetTagFieldNumber(graphTag) == GraphOutput)
                            {
                                outputs.Add(info.Name);
                            }

                            break;
                        default:
                            input.SkipLastField();
                            break;
                    }
                });
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: not a valid ONNX model ({e.Message})", e);
        }

        return new OnnxGraphNodes(nodes, initializers, shapes, inputs, outputs);
    }

    private static bool IsMessage(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    private static void ForEachField(CodedInputStream input, Action<uint> field)
    {
        int length = input.ReadLength();
        long end = input.Position + length;
        while (input.Position < end)
        {
            field(input.ReadTag());
        }
    }

    private static (string Name, long[] Dims) ReadInitializer(CodedInputStream input)
    {
        string name = "";
        var dims = new List<long>();
        ForEachField(input, tag =>
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case TensorName when IsMessage(tag):
                    name = input.ReadString();
                    break;
                case TensorDims:
                    ReadInts(input, tag, dims);
                    break;
                default:
                    // raw_data and the typed data fields: the weights themselves, never needed here.
                    input.SkipLastField();
                    break;
            }
        });
        return (name, [.. dims]);
    }

    private static Node ReadNode(CodedInputStream input)
    {
        string opType = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var ints = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case NodeInput when IsMessage(tag):
                    inputs.Add(input.ReadString());
                    break;
                case NodeOutput when IsMessage(tag):
                    outputs.Add(input.ReadString());
                    break;
                case NodeOpType when IsMessage(tag):
                    opType = input.ReadString();
                    break;
                case NodeAttribute when IsMessage(tag):
                    ReadAttribute(new CodedInputStream(input.ReadBytes().ToByteArray()), ints, strings);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new Node(opType, [.. inputs], [.. outputs], ints, strings);
    }

    private static void ReadAttribute(CodedInputStream input, Dictionary<string, long[]> ints, Dictionary<string, string> strings)
    {
        string name = "";
        var values = new List<long>();
        string? text = null;
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case AttributeName when IsMessage(tag):
                    name = input.ReadString();
                    break;
                case AttributeInt when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    values.Add(input.ReadInt64());
                    break;
                case AttributeInts:
                    ReadInts(input, tag, values);
                    break;
                case AttributeString when IsMessage(tag):
                    text = input.ReadBytes().ToStringUtf8();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        if (text is not null)
        {
            strings[name] = text;
        }
        else if (values.Count > 0)
        {
            ints[name] = [.. values];
        }
    }

    /// <summary>A repeated int64 field, packed or not.</summary>
    private static void ReadInts(CodedInputStream input, uint tag, List<long> values)
    {
        if (IsMessage(tag))
        {
            int length = input.ReadLength();
            long end = input.Position + length;
            while (input.Position < end)
            {
                values.Add(input.ReadInt64());
            }
        }
        else
        {
            values.Add(input.ReadInt64());
        }
    }
}
