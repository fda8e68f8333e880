using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using CommunityToolkit.HighPerformance;
using SegEngine.Export;

namespace SegEngine.Server.Oip;

/// <summary>
/// An output as the protocol carries it: name, datatype, shape, and its values as little-endian bytes borrowed from the
/// engine's buffer (valid while that buffer is held), written as binary data or as JSON numbers.
/// </summary>
internal sealed class OutputTensor(string name, string datatype, long[] shape, Memory<byte> bytes)
{
    public string Name { get; } = name;

    public string Datatype { get; } = datatype;

    public long[] Shape { get; } = shape;

    public Memory<byte> Bytes { get; } = bytes;

    /// <summary>Values of <see cref="Datatype"/> in <see cref="Bytes"/>.</summary>
    public long Count => Bytes.Length / ElementSize(Datatype);

    /// <summary>The label map [Z, Y, X], UINT8 (UINT16 for labels of 255 and above).</summary>
    public static OutputTensor Labels(LabelMap labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new OutputTensor(
            InferCall.LabelsOutput,
            LabelDatatype(labels.IsUInt16 ? 2 : 1),
            [labels.Shape.Z, labels.Shape.Y, labels.Shape.X],
            labels.StorageBytes);
    }

    /// <summary>
    /// The probabilities [K, Z, Y, X], FP32 as the engine gives them, or FP16: each float32 rounded to the nearest half
    /// (ties to even, as NumPy's <c>astype(float16)</c>), written over the front half of the same buffer.
    /// </summary>
    public static OutputTensor Probabilities(VolumeBuffer<float> probabilities, string datatype)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        Memory<byte> bytes = probabilities.Memory.AsBytes();
        if (datatype == InferCall.Fp16)
        {
            NarrowInPlace(probabilities.Span);
            bytes = bytes[..(probabilities.Length * 2)];
        }

        return new OutputTensor(
            InferCall.ProbabilitiesOutput,
            datatype,
            [probabilities.Channels, probabilities.Shape.Z, probabilities.Shape.Y, probabilities.Shape.X],
            bytes);
    }

    /// <summary>UINT8 or UINT16, by bytes per label.</summary>
    public static string LabelDatatype(int bytesPerLabel) => bytesPerLabel == 1 ? "UINT8" : "UINT16";

    /// <summary>Writes values [<paramref name="start"/>, <paramref name="end"/>) as JSON numbers (the shortest text that reads back to the same value).</summary>
    public void WriteJsonValues(Utf8JsonWriter json, long start, long end)
    {
        ArgumentNullException.ThrowIfNull(json);
        ReadOnlySpan<byte> bytes = Bytes.Span;
        for (long i = start; i < end; i++)
        {
            switch (Datatype)
            {
                case "UINT8":
                    json.WriteNumberValue(bytes[(int)i]);
                    break;
                case "UINT16":
                    json.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(int)(2 * i)..]));
                    break;
                case InferCall.Fp16:
                    json.WriteNumberValue((float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(int)(2 * i)..]));
                    break;
                default:
                    json.WriteNumberValue(BinaryPrimitives.ReadSingleLittleEndian(bytes[(int)(4 * i)..]));
                    break;
            }
        }
    }

    private static int ElementSize(string datatype) => datatype switch
    {
        "UINT8" => 1,
        "UINT16" or InferCall.Fp16 => 2,
        _ => 4,
    };

    /// <summary>
    /// float32 → float16 in place, a chunk at a time: each chunk is converted before its halves are stored, and the halves
    /// land at half the byte offset, so they only overwrite floats already read.
    /// </summary>
    private static void NarrowInPlace(Span<float> values)
    {
        Span<Half> halves = MemoryMarshal.Cast<float, Half>(values);
        Span<Half> chunk = stackalloc Half[4096];
        for (int start = 0; start < values.Length; start += chunk.Length)
        {
            int count = Math.Min(chunk.Length, values.Length - start);
            TensorPrimitives.ConvertToHalf(values.Slice(start, count), chunk[..count]);
            chunk[..count].CopyTo(halves.Slice(start, count));
        }
    }
}
