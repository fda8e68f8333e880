using System.Globalization;
using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx;

/// <summary>One value of an ONNX graph (an input, an output or a <c>value_info</c> entry), as its <c>ValueInfoProto</c> declares it.</summary>
/// <param name="Name">The graph's name for it, e.g. <c>input</c> or <c>logits</c>.</param>
/// <param name="ElementType">Element type as ONNX Runtime names it, e.g. <c>Float</c> or <c>Float16</c>.</param>
/// <param name="Dimensions">The shape; -1 marks a dynamic axis.</param>
/// <param name="DimensionNames">The symbolic name of each axis ("" for fixed or unnamed ones).</param>
internal sealed record OnnxTensorInfo(string Name, string ElementType, long[] Dimensions, string[] DimensionNames)
{
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

    public bool IsDynamic(int axis) => Dimensions[axis] < 0;

    /// <summary>The shape as text: fixed sizes as numbers, dynamic axes by name or <c>?</c>, e.g. <c>[batch, 1, 48, 64, 64]</c>.</summary>
    public string FormatShape() =>
        "[" + string.Join(", ", Dimensions.Select((size, axis) => size >= 0
            ? size.ToString(CultureInfo.InvariantCulture)
            : DimensionNames[axis].Length > 0 ? DimensionNames[axis] : "?")) + "]";

    /// <summary>
    /// Reads a <c>ValueInfoProto</c>. Like ONNX Runtime's session metadata, a named dynamic axis is -1 with its name, and a
    /// value that is not a tensor has its kind as element type and no shape.
    /// </summary>
    public static OnnxTensorInfo Read(ByteString valueInfo)
    {
        var input = valueInfo.CreateCodedInput();
        string name = "";
        var type = (ElementType: "ONNX_TYPE_UNKNOWN", Dimensions: Array.Empty<long>(), Names: Array.Empty<string>());
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case ValueInfoName when ProtobufWire.IsDelimited(tag):
                    name = input.ReadString();
                    break;
                case ValueInfoType when ProtobufWire.IsDelimited(tag):
                    type = ReadType(input.ReadBytes().CreateCodedInput());
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
            if (field == TypeTensorType && ProtobufWire.IsDelimited(tag))
            {
                return ReadTensorType(input.ReadBytes().CreateCodedInput());
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
                case TensorTypeElemType when ProtobufWire.IsVarint(tag):
                    elementType = input.ReadInt32();
                    break;
                case TensorTypeShape when ProtobufWire.IsDelimited(tag):
                    ReadShape(input.ReadBytes().CreateCodedInput(), dimensions, names);
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
            if (WireFormat.GetTagFieldNumber(tag) != ShapeDim || !ProtobufWire.IsDelimited(tag))
            {
                input.SkipLastField();
                continue;
            }

            var dimension = input.ReadBytes().CreateCodedInput();
            long size = -1;
            string symbol = "";
            for (uint dimTag = dimension.ReadTag(); dimTag != 0; dimTag = dimension.ReadTag())
            {
                switch (WireFormat.GetTagFieldNumber(dimTag))
                {
                    case DimValue when ProtobufWire.IsVarint(dimTag):
                        size = dimension.ReadInt64();
                        break;
                    case DimParam when ProtobufWire.IsDelimited(dimTag):
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
