using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SegEngine.Io;

/// <summary>Fills a little-endian NIfTI-1 header (348 bytes plus 4 zero extension bytes) field by field, for the writers.</summary>
internal sealed class Nifti1HeaderBuilder
{
    public const int Size = NiftiHeader.Nifti1HeaderSize + 4;

    private readonly byte[] bytes = new byte[Size];

    public Nifti1HeaderBuilder()
    {
        Int32(0, NiftiHeader.Nifti1HeaderSize);
        Single(108, Size);
        "n+1\0"u8.CopyTo(bytes.AsSpan(344));
    }

    public ReadOnlySpan<byte> Bytes => bytes;

    public Nifti1HeaderBuilder Regular(byte value)
    {
        bytes[38] = value;
        return this;
    }

    public Nifti1HeaderBuilder Dims(ReadOnlySpan<short> dim)
    {
        for (int i = 0; i < 8; i++)
        {
            Int16(40 + (2 * i), dim[i]);
        }

        return this;
    }

    public Nifti1HeaderBuilder Labels(bool wide)
    {
        Int16(70, (short)(wide ? NiftiDataType.UInt16 : NiftiDataType.UInt8));
        Int16(72, (short)(wide ? 16 : 8));
        return this;
    }

    public Nifti1HeaderBuilder PixDim(ReadOnlySpan<float> pixdim)
    {
        for (int i = 0; i < 8; i++)
        {
            Single(76 + (4 * i), pixdim[i]);
        }

        return this;
    }

    public Nifti1HeaderBuilder Scaling(float slope, float inter)
    {
        Single(112, slope);
        Single(116, inter);
        return this;
    }

    public Nifti1HeaderBuilder XyztUnits(byte units)
    {
        bytes[123] = units;
        return this;
    }

    public Nifti1HeaderBuilder Codes(short qform, short sform)
    {
        Int16(252, qform);
        Int16(254, sform);
        return this;
    }

    public Nifti1HeaderBuilder Quaternion(float b, float c, float d, float x, float y, float z)
    {
        Single(256, b);
        Single(260, c);
        Single(264, d);
        Single(268, x);
        Single(272, y);
        Single(276, z);
        return this;
    }

    /// <summary>srow_x, srow_y, srow_z from a row-major 3x4 (or 4x4) affine.</summary>
    public Nifti1HeaderBuilder Srow(ReadOnlySpan<float> rows)
    {
        for (int i = 0; i < 12; i++)
        {
            Single(280 + (4 * i), rows[i]);
        }

        return this;
    }

    private void Int16(int offset, short value) => BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(offset), value);

    private void Int32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), value);

    private void Single(int offset, float value) => BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset), value);
}

/// <summary>Shared checks and encoding of label images for both writers.</summary>
internal static class SegmentationEncoding
{
    /// <summary>Writes uint8 labels with the header a reader builds for its geometry (<c>wide</c> false).</summary>
    public static void Write(string path, ReadOnlySpan<byte> labels, ImageGeometry geometry, string readerName, Func<ImageGeometry, bool, byte[]> header)
    {
        CheckLength(labels.Length, geometry, readerName);
        NiftiFile.WriteAtomically(path, header(geometry, false), labels);
    }

    /// <summary>Writes uint16 labels as nnU-Net's <c>write_seg</c> stores them: uint8 unless a label is 255 or more.</summary>
    public static void Write(string path, ReadOnlySpan<ushort> labels, ImageGeometry geometry, string readerName, Func<ImageGeometry, bool, byte[]> header)
    {
        CheckLength(labels.Length, geometry, readerName);
        if (NeedsUInt16(labels))
        {
            NiftiFile.WriteAtomically(path, header(geometry, true), LittleEndianBytes(labels));
        }
        else
        {
            using var narrow = Narrow(labels);
            NiftiFile.WriteAtomically(path, header(geometry, false), narrow.Span);
        }
    }

    public static void CheckLength(int labels, ImageGeometry geometry, string readerName)
    {
        if (geometry.ReaderName != readerName)
        {
            throw new ArgumentException($"geometry was read by {geometry.ReaderName}, not {readerName}", nameof(geometry));
        }

        if (labels != geometry.OriginalShape.Voxels)
        {
            throw new ArgumentException(
                $"expected {geometry.OriginalShape.Voxels} labels for shape {geometry.OriginalShape} (z, y, x), got {labels}",
                nameof(labels));
        }
    }

    /// <summary>nnU-Net's <c>write_seg</c>: uint8 when max &lt; 255, else uint16.</summary>
    public static bool NeedsUInt16(ReadOnlySpan<ushort> labels) =>
        labels.Length > 0 && !LabelWidth.FitsInBytes(System.Numerics.Tensors.TensorPrimitives.Max(labels));

    /// <summary>Little-endian bytes of uint16 labels (a view on little-endian machines, a swapped copy elsewhere).</summary>
    public static ReadOnlySpan<byte> LittleEndianBytes(ReadOnlySpan<ushort> labels)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.AsBytes(labels);
        }

        var swapped = new ushort[labels.Length];
        BinaryPrimitives.ReverseEndianness(labels, swapped);
        return MemoryMarshal.AsBytes(swapped.AsSpan());
    }

    /// <summary>uint8 labels as uint16, for writers that take the stored width from the labels (<see cref="NeedsUInt16"/>).</summary>
    public static ushort[] Widen(ReadOnlySpan<byte> labels)
    {
        var wide = new ushort[labels.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<byte, ushort>(labels, wide);
        return wide;
    }

    /// <summary>Narrows labels known to be below 255 to bytes, in a pooled buffer the caller disposes.</summary>
    public static CommunityToolkit.HighPerformance.Buffers.MemoryOwner<byte> Narrow(ReadOnlySpan<ushort> labels)
    {
        var bytes = CommunityToolkit.HighPerformance.Buffers.MemoryOwner<byte>.Allocate(labels.Length);
        System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<ushort, byte>(labels, bytes.Span);
        return bytes;
    }
}
