using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// The full per-class work for one output voxel the fast path left undecided: each class's order-1 sum
/// (<see cref="TrilinearStencil"/>), stored to fp16 with NumPy's direct double→half rounding, then the argmax (ties to
/// the lowest class) or the region thresholds with later heads winning.
/// </summary>
/// <remarks>skimage's per-class clip is left out on purpose: docs/fused-export.md, "Why the clip is a no-op".</remarks>
internal static class ExactVoxel
{
    public static int Label(in TrilinearStencil stencil, InputPlanes planes, int classes, int[]? regionsClassOrder)
    {
        SliceClassPlanes low = planes.Slice(stencil.LowSlice);
        SliceClassPlanes high = planes.Slice(stencil.HighSlice);
        int result = 0;
        float best = float.NegativeInfinity;
        for (int k = 0; k < classes; k++)
        {
            float value = (float)(Half)stencil.Sum(low.Class(k), high.Class(k));
            if (regionsClassOrder is not null)
            {
                if (value > RegionHead.OnThreshold)
                {
                    result = regionsClassOrder[k];
                }
            }
            else if (value > best)
            {
                best = value;
                result = k;
            }
        }

        return result;
    }
}
