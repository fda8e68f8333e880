namespace SegEngine.Io;

/// <summary>nnU-Net's <c>write_seg</c> rule for the width of a label map: uint8 while every label is below 255, else uint16.</summary>
internal static class LabelWidth
{
    /// <summary>The smallest label that needs uint16.</summary>
    public const int FirstWideLabel = 255;

    public static bool FitsInBytes(int maxLabel) => maxLabel < FirstWideLabel;

    public static int BytesPerVoxel(int maxLabel) => FitsInBytes(maxLabel) ? sizeof(byte) : sizeof(ushort);
}
