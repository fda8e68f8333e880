using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace SegEngine.Model.Checkpoints;

/// <summary>The element type of a torch storage, named by its legacy storage class (<c>torch.FloatStorage</c>, …).</summary>
/// <param name="StorageClass">The class name in the persistent id, e.g. <c>FloatStorage</c>.</param>
/// <param name="Size">Bytes per element.</param>
/// <param name="IsFloatingPoint">Whether the elements can be read as network weights.</param>
internal sealed record TorchElementType(string StorageClass, int Size, bool IsFloatingPoint)
{
    public static readonly TorchElementType Float32 = new("FloatStorage", 4, true);
    public static readonly TorchElementType Float64 = new("DoubleStorage", 8, true);
    public static readonly TorchElementType Float16 = new("HalfStorage", 2, true);
    public static readonly TorchElementType BFloat16 = new("BFloat16Storage", 2, true);

    private static readonly TorchElementType[] Known =
    [
        Float32, Float64, Float16, BFloat16,
        new("LongStorage", 8, false), new("IntStorage", 4, false), new("ShortStorage", 2, false),
        new("CharStorage", 1, false), new("ByteStorage", 1, false), new("BoolStorage", 1, false),
    ];

    /// <summary>The type of a storage class name, or null for one torch does not write for tensors (e.g. <c>UntypedStorage</c>).</summary>
    public static TorchElementType? FromStorageClass(string name) => Array.Find(Known, type => type.StorageClass == name);

    /// <summary>Converts <paramref name="source"/> (little-endian elements of this type) to float32, the way torch's <c>.float()</c> does.</summary>
    public void ConvertToSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (this == Float32)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
        }
        else if (this == Float16)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
        }
        else if (this == BFloat16)
        {
            // bfloat16 is the top half of a float32, so widening is exact.
            ReadOnlySpan<ushort> bits = MemoryMarshal.Cast<byte, ushort>(source);
            for (int i = 0; i < bits.Length; i++)
            {
                destination[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
            }
        }
        else if (this == Float64)
        {
            ReadOnlySpan<double> values = MemoryMarshal.Cast<byte, double>(source);
            for (int i = 0; i < values.Length; i++)
            {
                destination[i] = (float)values[i];
            }
        }
        else
        {
            throw new InvalidOperationException($"{StorageClass} holds no floating-point values");
        }
    }
}
