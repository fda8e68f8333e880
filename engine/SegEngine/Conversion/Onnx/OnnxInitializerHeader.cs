using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// What a graph's initializer (a <c>TensorProto</c>) says of itself, read in place with its data skipped: its name, dims
/// and element type, where its whole field lies in the file and where its <c>raw_data</c> bytes lie, if it has them.
/// </summary>
/// <param name="Name"><c>name</c>.</param>
/// <param name="Dims"><c>dims</c>, the tensor's shape.</param>
/// <param name="DataType"><c>data_type</c>, a TensorProto.DataType value (<see cref="Float"/> for float32).</param>
/// <param name="Field">The initializer's field in its graph, tag included.</param>
/// <param name="RawData">The bytes of <c>raw_data</c>, or null when the tensor keeps its values in a typed field.</param>
internal sealed record OnnxInitializerHeader(string Name, long[] Dims, long DataType, FileRange Field, FileRange? RawData)
{
    /// <summary>TensorProto.DataType FLOAT.</summary>
    public const long Float = 1;

    /// <summary>Reads the TensorProto the stream stands at, whose field (its tag) began at <paramref name="fieldStart"/>.</summary>
    public static OnnxInitializerHeader Read(CodedInputStream input, long fieldStart, long fileLength)
    {
        long end = ProtobufWire.MessageEnd(input, fileLength);
        string name = "";
        var dims = new List<long>();
        long dataType = 0;
        FileRange? raw = null;
        while (input.Position < end)
        {
            uint tag = input.ReadTag();
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case TensorDims:
                    ProtobufWire.ReadInt64s(input, tag, dims);
                    break;
                case TensorName when ProtobufWire.IsDelimited(tag):
                    name = input.ReadString();
                    break;
                case TensorDataType when ProtobufWire.IsVarint(tag):
                    dataType = input.ReadInt64();
                    break;
                case TensorRawData when ProtobufWire.IsDelimited(tag):
                    // The bytes follow their length's varint: the field's end less its length is where they start.
                    long afterTag = input.Position;
                    input.SkipLastField();
                    long fieldEnd = input.Position;
                    int bytes = Enumerable.Range(1, 5).Select(size => (int)(fieldEnd - afterTag - size)).First(b => CodedOutputStream.ComputeLengthSize(b) == fieldEnd - afterTag - b);
                    raw = new FileRange(fieldEnd - bytes, bytes);
                    break;
                default:
                    input.SkipLastField();
                    break;
            }

            ProtobufWire.EnsureWithin(input, end);
        }

        return new OnnxInitializerHeader(name, [.. dims], dataType, new FileRange(fieldStart, end - fieldStart), raw);
    }
}
