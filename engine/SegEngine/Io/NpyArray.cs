using System.Runtime.InteropServices;

namespace SegEngine.Io;

/// <summary>An array read from NumPy's <c>.npy</c> format: element type, C-order shape and the raw little-endian bytes.</summary>
internal sealed class NpyArray
{
    public NpyArray(NpyType type, long[] shape, byte[] data)
    {
        Type = type;
        Shape = shape;
        Data = data;
    }

    public NpyType Type { get; }

    public long[] Shape { get; }

    public byte[] Data { get; }

    public long ElementCount => Data.LongLength / Type.Size();

    /// <summary>The elements reinterpreted as <typeparamref name="T"/>, which must match <see cref="Type"/>.</summary>
    public ReadOnlySpan<T> As<T>()
        where T : unmanaged
    {
        NpyType wanted = NpyTypes.Of<T>();
        if (wanted != Type)
        {
            throw new InvalidOperationException($"the array holds {Type}, not {wanted}");
        }

        return MemoryMarshal.Cast<byte, T>(Data);
    }
}
