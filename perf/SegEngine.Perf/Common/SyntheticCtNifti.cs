using System.Runtime.InteropServices;
using SegEngine.Io;

namespace SegEngine.Perf.Common;

/// <summary>
/// Writes a <see cref="SyntheticCt"/> volume as an uncompressed NIfTI-1 file, slice by slice,
/// so that a benchmark's input costs no more memory than one slice to make.
/// </summary>
/// <remarks>
/// The header comes from the engine's <see cref="Nifti1HeaderBuilder"/>, which sets only the label data types (uint8,
/// uint16); so the voxels are stored as little-endian uint16 with <c>scl_inter</c> −1024 (HU = stored − 1024), which the
/// engine's readers (like nibabel and SimpleITK) turn back into the exact Hounsfield values.
/// </remarks>
internal static class SyntheticCtNifti
{
    private const float HounsfieldOffset = -1024;

    /// <summary>Writes <paramref name="shape"/> (z, y, x) at <paramref name="spacingMm"/> on every axis to <paramref name="path"/> (.nii).</summary>
    public static void Write(string path, Shape3 shape, float spacingMm) => Write(path, shape, (spacingMm, spacingMm, spacingMm));

    /// <summary>Writes <paramref name="shape"/> (z, y, x) with <paramref name="spacingMm"/> (z, y, x) to <paramref name="path"/> (.nii).</summary>
    public static void Write(string path, Shape3 shape, (float Z, float Y, float X) spacingMm)
    {
        const byte MillimetreAndSecondUnits = 2 | 8;
        const short ScannerAnatomical = 1;
        ReadOnlySpan<byte> header = new Nifti1HeaderBuilder()
            .Dims([3, (short)shape.X, (short)shape.Y, (short)shape.Z, 1, 1, 1, 1])
            .Labels(wide: true)
            .PixDim([1, spacingMm.X, spacingMm.Y, spacingMm.Z, 0, 0, 0, 0])
            .Scaling(1, HounsfieldOffset)
            .XyztUnits(MillimetreAndSecondUnits)
            .Codes(ScannerAnatomical, ScannerAnatomical)
            .Quaternion(0, 0, 0, 0, 0, 0)
            .Srow([spacingMm.X, 0, 0, 0, 0, spacingMm.Y, 0, 0, 0, 0, spacingMm.Z, 0])
            .Bytes;

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        file.Write(header);
        var slice = new ushort[(long)shape.Y * shape.X];
        for (int z = 0; z < shape.Z; z++)
        {
            for (int y = 0; y < shape.Y; y++)
            {
                int row = y * shape.X;
                for (int x = 0; x < shape.X; x++)
                {
                    slice[row + x] = (ushort)(SyntheticCt.Value(shape, z, y, x) - (int)HounsfieldOffset);
                }
            }

            file.Write(MemoryMarshal.AsBytes(slice.AsSpan()));
        }
    }
}
