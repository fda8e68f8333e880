namespace SegEngine.Io;

/// <summary>The NIfTI <c>datatype</c> codes the engine reads (nifti1.h); complex, RGB and float128 are refused.</summary>
internal enum NiftiDataType : short
{
    UInt8 = 2,
    Int16 = 4,
    Int32 = 8,
    Float32 = 16,
    Float64 = 64,
    Int8 = 256,
    UInt16 = 512,
    UInt32 = 768,
    Int64 = 1024,
    UInt64 = 1280,
}

internal static class NiftiDataTypes
{
    /// <summary>Bytes per voxel, or 0 for a code the engine does not read.</summary>
    public static int BytesPerVoxel(short code) => code switch
    {
        (short)NiftiDataType.UInt8 or (short)NiftiDataType.Int8 => 1,
        (short)NiftiDataType.Int16 or (short)NiftiDataType.UInt16 => 2,
        (short)NiftiDataType.Int32 or (short)NiftiDataType.UInt32 or (short)NiftiDataType.Float32 => 4,
        (short)NiftiDataType.Int64 or (short)NiftiDataType.UInt64 or (short)NiftiDataType.Float64 => 8,
        _ => 0,
    };

    /// <summary>Whether the type is an integer no wider than 16 bits (exact in float32).</summary>
    public static bool IsSmallInteger(NiftiDataType type) =>
        type is NiftiDataType.UInt8 or NiftiDataType.Int8 or NiftiDataType.Int16 or NiftiDataType.UInt16;

    public static bool IsInteger(NiftiDataType type) => type is not (NiftiDataType.Float32 or NiftiDataType.Float64);
}
