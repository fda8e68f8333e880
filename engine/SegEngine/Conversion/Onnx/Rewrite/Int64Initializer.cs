using Google.Protobuf;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>A small int64 initializer (shapes, indices, pads) that a rewrite adds to the graph.</summary>
internal sealed record Int64Initializer(string Name, long[] Dims, long[] Values)
{
    // TensorProto; DataType INT64
    private const int TensorDims = 1;
    private const int TensorDataType = 2;
    private const int TensorName = 8;
    private const int TensorRawData = 9;
    private const int DataTypeInt64 = 7;

    /// <summary>The TensorProto, with little-endian <c>raw_data</c> as the specification requires.</summary>
    public ByteString Encode() => OnnxModelWriter.Encode(tensor =>
    {
        foreach (long dim in Dims)
        {
            tensor.WriteTag(TensorDims, WireFormat.WireType.Varint);
            tensor.WriteInt64(dim);
        }

        tensor.WriteTag(TensorDataType, WireFormat.WireType.Varint);
        tensor.WriteInt32(DataTypeInt64);
        OnnxModelWriter.WriteStringField(tensor, TensorName, Name);
        byte[] raw = new byte[Values.Length * sizeof(long)];
        for (int i = 0; i < Values.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * sizeof(long)), Values[i]);
        }

        tensor.WriteTag(TensorRawData, WireFormat.WireType.LengthDelimited);
        tensor.WriteBytes(ByteString.CopyFrom(raw));
    });
}
