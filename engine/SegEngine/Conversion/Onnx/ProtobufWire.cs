using Google.Protobuf;

namespace SegEngine.Conversion.Onnx;

/// <summary>
/// What the ONNX readers share of the protobuf wire format beyond <see cref="CodedInputStream"/>: messages read in place
/// from a file, bounded by its size, and repeated integers in either of their encodings.
/// </summary>
internal static class ProtobufWire
{
    public static bool IsDelimited(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited;

    public static bool IsVarint(uint tag) => WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint;

    /// <summary>
    /// Reads the length of the message the stream stands at and returns the position of its end; a length that runs past
    /// the file's <paramref name="fileLength"/> bytes is refused before anything is read for it.
    /// </summary>
    public static long MessageEnd(CodedInputStream input, long fileLength)
    {
        int length = input.ReadLength();
        long end = input.Position + length;
        if (length < 0 || end > fileLength)
        {
            throw new InvalidDataException($"a message of {length} bytes at byte {input.Position} runs past the end of the {fileLength}-byte file");
        }

        return end;
    }

    /// <summary>Refuses a field that ran past <paramref name="end"/>, the end of the message holding it.</summary>
    public static void EnsureWithin(CodedInputStream input, long end)
    {
        if (input.Position > end)
        {
            throw new InvalidDataException($"a field runs {input.Position - end} bytes past the end of its message at byte {end}");
        }
    }

    /// <summary>Adds the values of a repeated int64 field, one varint or packed; a field of another wire type is skipped.</summary>
    public static void ReadInt64s(CodedInputStream input, uint tag, List<long> values)
    {
        if (IsVarint(tag))
        {
            values.Add(input.ReadInt64());
        }
        else if (IsDelimited(tag))
        {
            // Packed, which proto2 readers must accept although onnx.proto does not declare it.
            var packed = input.ReadBytes().CreateCodedInput();
            while (!packed.IsAtEnd)
            {
                values.Add(packed.ReadInt64());
            }
        }
        else
        {
            input.SkipLastField();
        }
    }
}
