using Google.Protobuf;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// The model-level fields of an ONNX file (IR version, producer, opsets, <c>metadata_props</c>) and its graph's inputs and
/// outputs, read with Google.Protobuf's <see cref="CodedInputStream"/> while skipping nodes and weights, so it costs a
/// read of the file, not a session.
/// </summary>
/// <param name="IrVersion"><c>ir_version</c>.</param>
/// <param name="ProducerName"><c>producer_name</c> ("" when absent).</param>
/// <param name="ProducerVersion"><c>producer_version</c> ("" when absent).</param>
/// <param name="DefaultOpset">The version of the default-domain opset import, or 0.</param>
/// <param name="Metadata"><c>metadata_props</c>.</param>
/// <param name="Inputs">The graph inputs that no initializer fills, as ONNX Runtime lists them.</param>
/// <param name="Outputs">The graph outputs.</param>
internal sealed record OnnxModelHeader(
    long IrVersion,
    string ProducerName,
    string ProducerVersion,
    long DefaultOpset,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<OnnxTensorInfo> Inputs,
    IReadOnlyList<OnnxTensorInfo> Outputs)
{
    private const int ModelIrVersion = 1;
    private const int ModelProducerName = 2;
    private const int ModelProducerVersion = 3;
    private const int ModelGraph = 7;
    private const int ModelOpsetImport = 8;
    private const int ModelMetadataProps = 14;

    /// <summary>Reads the header; a file that is not a well-formed ModelProto is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static OnnxModelHeader Read(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            using var input = new CodedInputStream(stream, leaveOpen: true);
            long irVersion = 0;
            long opset = 0;
            string producer = "";
            string producerVersion = "";
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            OnnxGraphSignature graph = OnnxGraphSignature.Empty;
            for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case ModelIrVersion when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint:
                        irVersion = input.ReadInt64();
                        break;
                    case ModelProducerName when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        producer = input.ReadString();
                        break;
                    case ModelProducerVersion when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        producerVersion = input.ReadString();
                        break;
                    case ModelGraph when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        graph = OnnxGraphSignature.Read(input);
                        break;
                    case ModelOpsetImport when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        (string domain, long version) = ReadOpset(input.ReadBytes());
                        if (domain is "" or "ai.onnx")
                        {
                            opset = version;
                        }

                        break;
                    case ModelMetadataProps when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                        (string key, string value) = ReadEntry(input.ReadBytes());
                        metadata[key] = value;
                        break;
                    default:
                        input.SkipLastField();
                        break;
                }
            }

            return new OnnxModelHeader(irVersion, producer, producerVersion, opset, metadata, graph.Inputs, graph.Outputs);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: not a valid ONNX model ({e.Message})", e);
        }
    }

    private static (string Domain, long Version) ReadOpset(ByteString message)
    {
        var input = new CodedInputStream(message.ToByteArray());
        string domain = "";
        long version = 0;
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                domain = input.ReadString();
            }
            else if (WireFormat.GetTagFieldNumber(tag) == 2 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint)
            {
                version = input.ReadInt64();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (domain, version);
    }

    /// <summary>An ONNX <c>StringStringEntryProto</c> (metadata_props): key (field 1) and value (field 2).</summary>
    internal static (string Key, string Value) ReadEntry(ByteString message)
    {
        var input = new CodedInputStream(message.ToByteArray());
        string key = "";
        string value = "";
        for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    key = input.ReadString();
                    break;
                case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    value = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (key, value);
    }
}
