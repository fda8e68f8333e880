using System.Buffers;
using System.Runtime.InteropServices;
using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx;

/// <summary>Fills one initializer's values (C order) into <c>destination</c>, whose length is its element count.</summary>
internal delegate void InitializerSource(OnnxInitializer initializer, Span<float> destination);

/// <summary>
/// Serialises an <see cref="OnnxGraphBuilder"/> as an ONNX <c>ModelProto</c> (IR version 8, opset 17), field by field with
/// Google.Protobuf's <see cref="CodedOutputStream"/>. Small messages are encoded in memory; the graph is streamed, one
/// initializer at a time through pooled buffers, so a model is never held twice.
/// </summary>
/// <remarks>
/// Field numbers are those of the ONNX specification's <c>onnx.proto</c> (proto2: repeated scalars unpacked).
/// Initializers are float32 <c>raw_data</c>, little-endian, as the specification requires.
/// </remarks>
internal static class OnnxModelWriter
{
    public const long IrVersion = 8;
    public const long OpsetVersion = 17;

    /// <summary>Writes the model to <paramref name="stream"/>; <paramref name="source"/> supplies the values of every non-constant initializer.</summary>
    /// <exception cref="SegEngineException">The graph would exceed protobuf's 2 GiB message limit.</exception>
    public static void Write(Stream stream, OnnxGraphBuilder model, string producerVersion, InitializerSource source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);

        List<ByteString> nodes = model.Nodes.Select(EncodeNode).ToList();
        List<(long RawBytes, long Size)> tensors = model.Initializers.Select(MeasureTensor).ToList();
        ByteString[] inputs = model.Inputs.Select(EncodeValueInfo).ToArray();
        ByteString[] outputs = model.Outputs.Select(EncodeValueInfo).ToArray();

        long graphSize = CodedOutputStream.ComputeTagSize(GraphName) + CodedOutputStream.ComputeStringSize(model.GraphName);
        graphSize += nodes.Sum(node => MessageFieldSize(GraphNode, node.Length));
        graphSize += tensors.Sum(tensor => MessageFieldSize(GraphInitializer, tensor.Size));
        graphSize += inputs.Sum(info => MessageFieldSize(GraphInput, info.Length)) + outputs.Sum(info => MessageFieldSize(GraphOutput, info.Length));
        if (graphSize > int.MaxValue)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"the ONNX graph '{model.GraphName}' would take {graphSize} bytes; protobuf messages stop at 2 GiB and external data is not written");
        }

        using var output = new CodedOutputStream(stream, leaveOpen: true);
        output.WriteTag(ModelIrVersion, WireFormat.WireType.Varint);
        output.WriteInt64(IrVersion);
        WriteStringField(output, ModelProducerName, "SegEngine");
        WriteStringField(output, ModelProducerVersion, producerVersion);

        output.WriteTag(ModelGraph, WireFormat.WireType.LengthDelimited);
        output.WriteLength((int)graphSize);
        foreach (ByteString node in nodes)
        {
            WriteMessageField(output, GraphNode, node);
        }

        WriteStringField(output, GraphName, model.GraphName);
        for (int i = 0; i < tensors.Count; i++)
        {
            WriteTensor(output, model.Initializers[i], tensors[i].RawBytes, tensors[i].Size, source);
        }

        foreach (ByteString input in inputs)
        {
            WriteMessageField(output, GraphInput, input);
        }

        foreach (ByteString graphOutput in outputs)
        {
            WriteMessageField(output, GraphOutput, graphOutput);
        }

        WriteMessageField(output, ModelOpsetImport, Encode(opset =>
        {
            WriteStringField(opset, OpsetDomain, "");
            opset.WriteTag(OnnxFields.OpsetVersion, WireFormat.WireType.Varint);
            opset.WriteInt64(OpsetVersion);
        }));
        foreach ((string key, string value) in model.Metadata)
        {
            WriteMessageField(output, ModelMetadataProps, Encode(entry =>
            {
                WriteStringField(entry, EntryKey, key);
                WriteStringField(entry, EntryValue, value);
            }));
        }

        output.Flush();
    }

    private static void WriteTensor(CodedOutputStream output, OnnxInitializer initializer, long rawBytes, long size, InitializerSource source)
    {
        output.WriteTag(GraphInitializer, WireFormat.WireType.LengthDelimited);
        output.WriteLength((int)size);
        WriteTensorHeader(output, initializer);
        int count = (int)initializer.ElementCount;
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)rawBytes);
        try
        {
            Span<float> values = MemoryMarshal.Cast<byte, float>(buffer.AsSpan(0, (int)rawBytes));
            if (initializer.Constant is float constant)
            {
                values.Fill(constant);
            }
            else
            {
                source(initializer, values);
            }

            output.WriteTag(TensorRawData, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, count * sizeof(float))));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The tensor's raw byte count and the size of its whole TensorProto.</summary>
    private static (long RawBytes, long Size) MeasureTensor(OnnxInitializer initializer)
    {
        ByteString header = Encode(tensor => WriteTensorHeader(tensor, initializer));
        long rawBytes = initializer.ElementCount * sizeof(float);
        if (rawBytes > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"initializer {initializer.Name} has {initializer.ElementCount} elements, too many for one ONNX tensor");
        }

        long size = header.Length + CodedOutputStream.ComputeTagSize(TensorRawData) + CodedOutputStream.ComputeLengthSize((int)rawBytes) + rawBytes;
        return (rawBytes, size);
    }

    /// <summary>The TensorProto fields before raw_data: dims, data_type, name.</summary>
    private static void WriteTensorHeader(CodedOutputStream tensor, OnnxInitializer initializer)
    {
        foreach (long dim in initializer.Dims)
        {
            tensor.WriteTag(TensorDims, WireFormat.WireType.Varint);
            tensor.WriteInt64(dim);
        }

        tensor.WriteTag(TensorDataType, WireFormat.WireType.Varint);
        tensor.WriteInt32(DataTypeFloat);
        WriteStringField(tensor, TensorName, initializer.Name);
    }

    /// <summary>A NodeProto in the default domain, also used by the graph rewrite for the nodes it adds.</summary>
    internal static ByteString EncodeNode(OnnxNode node) => Encode(message =>
    {
        foreach (string input in node.Inputs)
        {
            WriteStringField(message, NodeInput, input);
        }

        foreach (string output in node.Outputs)
        {
            WriteStringField(message, NodeOutput, output);
        }

        WriteStringField(message, NodeName, node.Name);
        WriteStringField(message, NodeOpType, node.OpType);
        foreach (OnnxAttribute attribute in node.Attributes)
        {
            WriteMessageField(message, NodeAttribute, EncodeAttribute(attribute));
        }
    });

    private static ByteString EncodeAttribute(OnnxAttribute attribute) => Encode(message =>
    {
        WriteStringField(message, AttributeName, attribute.Name);
        if (attribute.Float is float real)
        {
            message.WriteTag(AttributeFloat, WireFormat.WireType.Fixed32);
            message.WriteFloat(real);
            WriteType(AttributeTypeFloat);
        }
        else if (attribute.Int is long integer)
        {
            message.WriteTag(AttributeInt, WireFormat.WireType.Varint);
            message.WriteInt64(integer);
            WriteType(AttributeTypeInt);
        }
        else
        {
            foreach (long item in attribute.Ints ?? [])
            {
                message.WriteTag(AttributeInts, WireFormat.WireType.Varint);
                message.WriteInt64(item);
            }

            WriteType(AttributeTypeInts);
        }

        void WriteType(int type)
        {
            message.WriteTag(AttributeType, WireFormat.WireType.Varint);
            message.WriteInt32(type);
        }
    });

    private static ByteString EncodeValueInfo(OnnxTensorType value) => Encode(message =>
    {
        WriteStringField(message, ValueInfoName, value.Name);
        ByteString shape = Encode(dims =>
        {
            foreach (long? dim in value.Dims)
            {
                WriteMessageField(dims, ShapeDim, Encode(dimension =>
                {
                    if (dim is long size)
                    {
                        dimension.WriteTag(DimValue, WireFormat.WireType.Varint);
                        dimension.WriteInt64(size);
                    }
                    else
                    {
                        WriteStringField(dimension, DimParam, OnnxGraphBuilder.BatchDimension);
                    }
                }));
            }
        });
        ByteString tensorType = Encode(tensor =>
        {
            tensor.WriteTag(TensorTypeElemType, WireFormat.WireType.Varint);
            tensor.WriteInt32(DataTypeFloat);
            WriteMessageField(tensor, TensorTypeShape, shape);
        });
        WriteMessageField(message, ValueInfoType, Encode(type => WriteMessageField(type, TypeTensorType, tensorType)));
    });

    private static long MessageFieldSize(int field, long length) =>
        CodedOutputStream.ComputeTagSize(field) + CodedOutputStream.ComputeLengthSize((int)Math.Min(length, int.MaxValue)) + length;

    internal static void WriteStringField(CodedOutputStream output, int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
    }

    internal static void WriteMessageField(CodedOutputStream output, int field, ByteString message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(message);
    }

    internal static ByteString Encode(Action<CodedOutputStream> writeFields)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            writeFields(output);
        }

        return UnsafeByteOperations.UnsafeWrap(buffer.ToArray());
    }
}
