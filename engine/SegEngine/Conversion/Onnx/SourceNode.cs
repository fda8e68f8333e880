using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// One <c>NodeProto</c> as read from a model's file: its encoded bytes, which a rewrite writes back unchanged when the
/// node stays, and the fields a rewrite rule or the memory estimate reads. Of the attributes only integer ones and
/// strings are decoded; the rest are kept by name.
/// </summary>
internal sealed record SourceNode(
    ByteString Encoded,
    string Name,
    string OpType,
    string Domain,
    string[] Inputs,
    string[] Outputs,
    IReadOnlyDictionary<string, long[]> IntAttributes,
    IReadOnlyDictionary<string, string> StringAttributes,
    IReadOnlySet<string> OtherAttributes)
{
    public bool HasAttribute(string name) => IntAttributes.ContainsKey(name) || StringAttributes.ContainsKey(name) || OtherAttributes.Contains(name);

    /// <summary>An integer or list-of-integers attribute, or <paramref name="fallback"/> when absent.</summary>
    public long[] Ints(string name, long[] fallback) => IntAttributes.TryGetValue(name, out long[]? values) ? values : fallback;

    public static SourceNode Decode(ByteString encoded)
    {
        var input = encoded.CreateCodedInput();
        string name = "", opType = "", domain = "";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var ints = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);
        var others = new HashSet<string>(StringComparer.Ordinal);
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            bool delimited = WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case NodeInput when delimited:
                    inputs.Add(input.ReadString());
                    break;
                case NodeOutput when delimited:
                    outputs.Add(input.ReadString());
                    break;
                case NodeName when delimited:
                    name = input.ReadString();
                    break;
                case NodeOpType when delimited:
                    opType = input.ReadString();
                    break;
                case NodeDomain when delimited:
                    domain = input.ReadString();
                    break;
                case NodeAttribute when delimited:
                    DecodeAttribute(input.ReadBytes(), ints, strings, others);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new SourceNode(encoded, name, opType, domain, [.. inputs], [.. outputs], ints, strings, others);
    }

    private static void DecodeAttribute(ByteString encoded, Dictionary<string, long[]> ints, Dictionary<string, string> strings, HashSet<string> others)
    {
        var input = encoded.CreateCodedInput();
        string name = "";
        var values = new List<long>();
        string? text = null;
        bool other = false;
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            WireFormat.WireType wire = WireFormat.GetTagWireType(tag);
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case AttributeName when wire == WireFormat.WireType.LengthDelimited:
                    name = input.ReadString();
                    break;
                case AttributeInt when wire == WireFormat.WireType.Varint:
                    values.Add(input.ReadInt64());
                    break;
                case AttributeInts:
                    ProtobufWire.ReadInt64s(input, tag, values);
                    break;
                case AttributeString when wire == WireFormat.WireType.LengthDelimited:
                    text = input.ReadBytes().ToStringUtf8();
                    break;
                case AttributeName or AttributeInt or AttributeInts or AttributeString:
                    input.SkipLastField();
                    break;
                default:
                    other = other || (WireFormat.GetTagFieldNumber(tag) is not (AttributeType or AttributeDocString));
                    input.SkipLastField();
                    break;
            }
        }

        if (text is not null)
        {
            strings[name] = text;
        }
        else if (values.Count > 0 && !other)
        {
            ints[name] = [.. values];
        }
        else
        {
            others.Add(name);
        }
    }
}
