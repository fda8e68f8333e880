using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// The per-class work for one output voxel the fast path left undecided, when the plans resample probabilities with
/// <c>resample_torch_fornnunet</c>: each class's float32 value as torch forms it (<see cref="TorchStencil"/>), then the
/// argmax over those float32 values (ties to the lowest class) or the region thresholds, later heads winning.
/// </summary>
/// <remarks>
/// The fp16 logits become float32 before torch interpolates, and nnU-Net decides on the float32 result: no fp16
/// rounding here, unlike <see cref="ExactVoxel"/>. The fast path's bound still holds: weights are non-negative and sum
/// to 1 within 2⁻²³, far below the fp16 step between a cell's winner and runner-up. nnunet-parity.md §3.5 and §5.2.
/// </remarks>
internal static class TorchExactVoxel
{
    public static int Label(ResamplingGrid grid, TorchLayout layout, int oz, int oy, int ox, InputPlanes planes, int classes, int[]? regionsClassOrder)
    {
        var stencil = new TorchStencil(grid, layout, oz, oy, ox, stackalloc float[6]);
        SliceClassPlanes low = planes.Slice(stencil.LowSlice);
        SliceClassPlanes high = planes.Slice(stencil.HighSlice);
        int result = 0;
        float best = float.NegativeInfinity;
        for (int k = 0; k < classes; k++)
        {
            float value = stencil.Value(low, high, k);
            if (regionsClassOrder is not null)
            {
                if (value > RegionHead.Float32OnThreshold)
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
