using Google.Protobuf;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// The inputs and outputs of an ONNX <c>GraphProto</c>, read from the stream in place: nodes are skipped and of each
/// initializer only its name is read, so the weights are never held in memory.
/// </summary>
/// <remarks>
/// Like ONNX Runtime's session metadata, an input that an initializer fills (older exports list them) is not an input,
/// a named dynamic axis is -1 with its name, and a value that is not a tensor has its kind as element type and no shape.
/// </remarks>
internal sealed record OnnxGraphSignature(IReadOnlyList<OnnxTensorInfo> Inputs, IReadOnlyList<OnnxTensorInfo> Outputs)
{
    public static readonly OnnxGraphSignature Empty = new([], []);

    // GraphProto
    private const int GraphInitializer = 5;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;

    // TensorProto
    private const int TensorName = 8;

    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensor = 1;
    private const int TensorTypeElemType = 1;
    private const int TensorTypeShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;

    /// <summary>The kinds of TypeProto's other value fields, spelled as ONNX Runtime's <c>OnnxValueType</c>.</summary>
    private static readonly Dictionary<int, string> NonTensorKinds = new()
    {
        [4] = "ONNX_TYPE_SEQUENCE",
        [5] = "ONNX_TYPE_MAP",
        [7] = "ONNX_TYPE_OPAQUE",
        [8] = "ONNX_TYPE_SPARSETENSOR",
        [9] = "ONNX_TYPE_OPTIONAL",
    };

    /// <summary>TensorProto.DataType values 1–16, spelled as ONNX Runtime's <c>TensorElementType</c>.</summary>
    private static readonly string[] ElementTypes =
    [
        "Undefined", "Float", "UInt8", "Int8", "UInt16", "Int16", "Int32", "Int64", "String", "Bool",
        "Float16", "Double", "UInt32", "UInt64", "Complex64", "Complex128", "BFloat16",
    ];

    /// <summary>Reads the length-delimited graph that <paramref name="input"/> stands at, up to its end.</summary>
    public static OnnxGraphSignature Read(CodedInputStream input)
    {
        var inputs = new List<OnnxTensorInfo>();
        var outputs = new List<OnnxTensorInfo>();
        var initialized = new HashSet<string>(StringComparer.Ordinal);
        ForEachField(input, tag =>
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case GraphInput when IsMessage(tag):
                    inputs.Add(ReadValueInfo(new CodedInputStream(input.ReadBytes().ToByteArray())));
                    break;
                case GraphOutput when IsMessage(tag):
                    outputs.Add(ReadValueInfo(new CodedInputStream(input.ReadBytes().ToByteArray())));
                    break;
                case GraphInitializer when IsMessage(tag):
                    initialized.Add(ReadInitializerName(input));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        });
        return new OnnxGraphSignature([.. inputs.Where(value => !initialized.Contains(value.Name))], outputs);
    }

    /// <summary>Calls <paramref name="field"/> for each tag of the length-delimited message at the stream's position; it must consume the field.</summary>
    private static void ForEachField(CodedInputStream input, Action<uint> field)
    {
        int length = input.ReadLength();
        long end = input.Position + length;
        while (input.Position < end)
        {
            field(input.ReadTag());
        }
    }

    private static bool IsMessage(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    private static string ReadInitializerName(CodedInputStream input)
    {
        string name = "";
        ForEachField(input, tag =>
        {
            if (WireFormat.GetTagFieldNumber(tag) == TensorName && IsMessage(tag))
            {
                name = input.ReadString();
            }
            else
            {
                input.SkipLastField();
            }
        });
        return name;
    }

    internal static OnnxTensorInfo ReadValueInfo(CodedInputStream input)
    {
        string name = "";
        var type = (ElementType: "ONNX_TYPE_UNKNOWN", Dimensions: Array.Empty<long>(), Names: Array.Empty<string>());
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ValueInfoName when IsMessage(tag):
                    name = input.ReadString();
                    break;
                case ValueInfoType when IsMessage(tag):
                    type = ReadType(new CodedInputStream(input.ReadBytes().ToByteArray()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new OnnxTensorInfo(name, type.ElementType, type.Dimensions, type.Names);
    }

    private static (string ElementType, long[] Dimensions, string[] Names) ReadType(CodedInputStream input)
    {
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            if (field == TypeTensor && IsMessage(tag))
            {
                return ReadTensorType(new CodedInputStream(input.ReadBytes().ToByteArray()));
            }

            if (NonTensorKinds.TryGetValue(field, out string? kind))
            {
                return (kind, [], []);
            }

            input.SkipLastField();
        }

        return ("ONNX_TYPE_UNKNOWN", [], []);
    }

    private static (string ElementType, long[] Dimensions, string[] Names) ReadTensorType(CodedInputStream input)
    {
        int elementType = 0;
        var dimensions = new List<long>();
        var names = new List<string>();
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case TensorTypeElemType when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                    elementType = input.ReadInt32();
                    break;
                case TensorTypeShape when IsMessage(tag):
                    ReadShape(new CodedInputStream(input.ReadBytes().ToByteArray()), dimensions, names);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        string typeName = elementType >= 0 && elementType < ElementTypes.Length ? ElementTypes[elementType] : $"elem_type {elementType}";
        return (typeName, [.. dimensions], [.. names]);
    }

    private static void ReadShape(CodedInputStream input, List<long> dimensions, List<string> names)
    {
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            if (WireFormat.GetTagFieldNumber(tag) != ShapeDim || !IsMessage(tag))
            {
                input.SkipLastField();
                continue;
            }

            var dimension = new CodedInputStream(input.ReadBytes().ToByteArray());
            long size = -1;
            string symbol = "";
            for (uint dimTag = dimension.ReadTag(); dimTag != 0; dimTag = dimension.ReadTag())
            {
                switch (WireFormat.GetTagFieldNumber(dimTag))
                {
                    case DimValue when WireFormat.GetTagWireType(dimTag) == WireFormat.WireType.Varint:
                        size = dimension.ReadInt64();
                        break;
                    case DimParam when IsMessage(dimTag):
                        symbol = dimension.ReadString();
                        break;
                    default:
                        dimension.SkipLastField();
                        break;
                }
            }

            dimensions.Add(size);
            names.Add(size >= 0 ? "" : symbol);
        }
    }
}
