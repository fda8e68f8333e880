using System.Buffers;
using System.Numerics;

namespace SegEngine.Export;

/// <summary>
/// One input slice boiled down to what the cell fast path needs, independent of the class count K: per voxel the
/// winning class (labels) or on-mask (regions), the winner's value and the runner-up's. Pooled: <see cref="Return"/> it.
/// </summary>
/// <remarks>With labels the winning class is the label itself, so only regions keep a separate key.</remarks>
/// <remarks>Filled by <see cref="SliceSummarizer"/>, read by <see cref="CellFastPath"/>; docs/fused-export.md.</remarks>
internal sealed class SliceSummary
{
    public SliceSummary(int voxels, bool regions)
    {
        Key = regions ? ArrayPool<ulong>.Shared.Rent(voxels) : [];
        Best = ArrayPool<float>.Shared.Rent(voxels);
        RunnerUp = ArrayPool<float>.Shared.Rent(voxels);
        Label = ArrayPool<ushort>.Shared.Rent(voxels);
    }

    /// <summary>What two voxels must share for the same decision with regions: the on-mask of the heads; empty with labels.</summary>
    public ulong[] Key { get; }

    /// <summary>The winner's value; +∞ for decidable regions (−∞ when there are over 64 heads, so no cell is decided).</summary>
    public float[] Best { get; }

    /// <summary>The largest value of the other classes; −∞ for decidable regions (+∞ otherwise).</summary>
    public float[] RunnerUp { get; }

    /// <summary>The label the voxel alone would get.</summary>
    public ushort[] Label { get; }

    /// <summary>Best (4), runner-up (4), label (2) and, with regions, the key (8).</summary>
    public static int BytesPerVoxel(bool regions) => regions ? 18 : 10;

    /// <summary>The bytes a summary of <paramref name="voxels"/> rents: the shared pool hands out power-of-two lengths.</summary>
    public static long RentedBytes(int voxels, bool regions) => (long)BitOperations.RoundUpToPowerOf2((uint)Math.Max(voxels, 16)) * BytesPerVoxel(regions);

    /// <summary>The bytes rented (the arrays may be longer than asked for).</summary>
    public long Bytes => (Key.Length * 8L) + (Best.Length * 4L) + (RunnerUp.Length * 4L) + (Label.Length * 2L);

    public void Return()
    {
        if (Key.Length > 0)
        {
            ArrayPool<ulong>.Shared.Return(Key);
        }

        ArrayPool<float>.Shared.Return(Best);
        ArrayPool<float>.Shared.Return(RunnerUp);
        ArrayPool<ushort>.Shared.Return(Label);
    }
}
