using Google.Protobuf;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// A float32 <c>value_info</c> entry whose dims are sizes or symbols. The rewrite names the depth-slice stack's batch
/// (N·D) and plane by symbols shared by all taps of one convolution, so ORT can tell that the taps' outputs have one
/// shape, which its NCHWc transformer needs to fuse their sum into the convolutions.
/// </summary>
internal sealed record SymbolicValueInfo(string Name, (long? Size, string? Symbol)[] Dims)
{
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension; DataType FLOAT
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensorType = 1;
    private const int TensorTypeElemType = 1;
    private const int TensorTypeShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;
    private const int DataTypeFloat = 1;

    public ByteString Encode() => OnnxModelWriter.Encode(message =>
    {
        OnnxModelWriter.WriteStringField(message, ValueInfoName, Name);
        ByteString shape = OnnxModelWriter.Encode(dims =>
        {
            foreach ((long? size, string? symbol) in Dims)
            {
                OnnxModelWriter.WriteMessageField(dims, ShapeDim, OnnxModelWriter.Encode(dimension =>
                {
                    if (size is long value)
                    {
                        dimension.WriteTag(DimValue, WireFormat.WireType.Varint);
                        dimension.WriteInt64(value);
                    }
                    else if (symbol is not null)
                    {
                        OnnxModelWriter.WriteStringField(dimension, DimParam, symbol);
                    }
                }));
            }
        });
        ByteString tensor = OnnxModelWriter.Encode(type =>
        {
            type.WriteTag(TensorTypeElemType, WireFormat.WireType.Varint);
            type.WriteInt32(DataTypeFloat);
            OnnxModelWriter.WriteMessageField(type, TensorTypeShape, shape);
        });
        OnnxModelWriter.WriteMessageField(message, ValueInfoType, OnnxModelWriter.Encode(type => OnnxModelWriter.WriteMessageField(type, TypeTensorType, tensor)));
    });
}
