using System.Runtime.InteropServices;
using SegEngine.Export;

namespace SegEngine.Server.Oip;

/// <summary>A label map as the protocol carries it: its datatype, and its voxels as little-endian bytes.</summary>
internal static class LabelBytes
{
    public static string Datatype(LabelMap labels) => labels.IsUInt16 ? "UINT16" : "UINT8";

    /// <summary>Borrowed from <paramref name="labels"/>: valid until it is disposed.</summary>
    public static Span<byte> Of(LabelMap labels) => labels.IsUInt16 ? MemoryMarshal.AsBytes(labels.UInt16) : labels.Bytes;

    public static long[] Shape(LabelMap labels) => [labels.Shape.Z, labels.Shape.Y, labels.Shape.X];
}
