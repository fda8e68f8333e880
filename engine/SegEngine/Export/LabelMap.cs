using CommunityToolkit.HighPerformance;
using CommunityToolkit.HighPerformance.Buffers;

namespace SegEngine.Export;

/// <summary>
/// A case's label map in the original (reader) array order (z, y, x; x fastest), uint8 or uint16 as nnU-Net writes it.
/// Pooled: dispose it to return the memory.
/// </summary>
public sealed class LabelMap : IDisposable
{
    private MemoryOwner<byte>? bytes;
    private MemoryOwner<ushort>? words;

    private LabelMap(Shape3 shape, bool wide)
    {
        Shape = shape;
        IsUInt16 = wide;
        if (wide)
        {
            words = MemoryOwner<ushort>.Allocate((int)shape.Voxels, AllocationMode.Clear);
        }
        else
        {
            bytes = MemoryOwner<byte>.Allocate((int)shape.Voxels, AllocationMode.Clear);
        }
    }

    public Shape3 Shape { get; }

    /// <summary>True when the labels are uint16 (the largest label is 255 or more), false for uint8.</summary>
    public bool IsUInt16 { get; }

    /// <summary>The uint8 labels. Borrowed: valid until this map is disposed.</summary>
    public Span<byte> Bytes => IsUInt16
        ? throw new InvalidOperationException("this label map holds uint16 labels")
        : (bytes ?? throw new ObjectDisposedException(nameof(LabelMap))).Span;

    /// <summary>The uint16 labels. Borrowed: valid until this map is disposed.</summary>
    public Span<ushort> UInt16 => IsUInt16
        ? (words ?? throw new ObjectDisposedException(nameof(LabelMap))).Span
        : throw new InvalidOperationException("this label map holds uint8 labels");

    /// <summary>The labels' storage as bytes (uint16 little-endian when wide). Borrowed: valid until this map is disposed.</summary>
    internal Memory<byte> StorageBytes => IsUInt16
        ? (words ?? throw new ObjectDisposedException(nameof(LabelMap))).Memory.AsBytes()
        : (bytes ?? throw new ObjectDisposedException(nameof(LabelMap))).Memory;

    /// <summary>The label at a voxel, whatever the storage width.</summary>
    public int this[int z, int y, int x]
    {
        get
        {
            int index = (((z * Shape.Y) + y) * Shape.X) + x;
            return IsUInt16 ? UInt16[index] : Bytes[index];
        }
    }

    public void Dispose()
    {
        bytes?.Dispose();
        words?.Dispose();
        bytes = null;
        words = null;
    }

    internal static LabelMap Allocate(Shape3 shape, bool wide) => new(shape, wide);
}
