using System.Buffers.Binary;
using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>An initializer a rewrite adds to the graph: int64 shapes, indices and pads, or reordered float32 weights.</summary>
internal sealed record AddedInitializer(string Name, long[] Dims, int DataType, byte[] RawData)
{
    public static AddedInitializer Int64(string name, long[] dims, long[] values)
    {
        byte[] raw = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), values[i]);
        }

        return new AddedInitializer(name, dims, DataTypeInt64, raw);
    }

    public static AddedInitializer Float(string name, long[] dims, ReadOnlySpan<float> values)
    {
        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }

        return new AddedInitializer(name, dims, DataTypeFloat, raw);
    }

    /// <summary>The TensorProto, with little-endian <c>raw_data</c> as the specification requires.</summary>
    public ByteString Encode() => OnnxModelWriter.Encode(tensor =>
    {
        foreach (long dim in Dims)
        {
            tensor.WriteTag(TensorDims, WireFormat.WireType.Varint);
            tensor.WriteInt64(dim);
        }

        tensor.WriteTag(TensorDataType, WireFormat.WireType.Varint);
        tensor.WriteInt32(DataType);
        OnnxModelWriter.WriteStringField(tensor, TensorName, Name);
        tensor.WriteTag(TensorRawData, WireFormat.WireType.LengthDelimited);
        tensor.WriteBytes(ByteString.CopyFrom(RawData));
    });
}
