using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// The per-class work for one output voxel the fast path left undecided, when the plans resample probabilities with
/// <c>resample_torch_fornnunet</c>: each class's float32 value exactly as torch's CPU kernel forms it (the nested
/// fused multiply-adds, or for one channel the channels-last float64 sum), then the argmax over those float32 values
/// (ties to the lowest class) or the region thresholds, later heads winning.
/// </summary>
/// <remarks>
/// The fp16 logits become float32 before torch interpolates, and nnU-Net decides on the float32 result: no fp16
/// rounding here, unlike <see cref="ExactVoxel"/>. Along the separate-z axis torch's <c>nearest-exact</c> only selects a
/// slice. The fast path's bound still holds: weights are non-negative and sum to 1 within 2⁻²³, far below the fp16
/// step between a cell's winner and runner-up. nnunet-parity.md §3.5 and §5.2.
/// </remarks>
internal sealed class TorchExactVoxel
{
    private readonly ResamplingGrid grid;
    private readonly int classes;
    private readonly int[]? regionsClassOrder;
    private readonly bool channelsLast;
    private readonly int selected;
    private readonly int width;

    public TorchExactVoxel(ResamplingGrid grid, TorchLayout layout, int classes, int[]? regionsClassOrder)
    {
        this.grid = grid;
        this.classes = classes;
        this.regionsClassOrder = regionsClassOrder;
        selected = grid.LowResAxis ?? -1;
        channelsLast = selected < 0 ? layout.ChannelsLast3D : layout.ChannelsLastPlane;
        width = grid.InputShape.X;
    }

    public int Label(int oz, int oy, int ox, InputPlanes planes)
    {
        TapPairs tz = grid.Z, ty = grid.Y, tx = grid.X;
        SliceClassPlanes low = planes.Slice(tz.Low[oz]);
        SliceClassPlanes high = planes.Slice(tz.High[oz]);
        int r0 = ty.Low[oy] * width, r1 = ty.High[oy] * width, x0 = tx.Low[ox], x1 = tx.High[ox];
        Span<float> w = [(float)tz.W0[oz], (float)tz.W1[oz], (float)ty.W0[oy], (float)ty.W1[oy], (float)tx.W0[ox], (float)tx.W1[ox]];
        Span<float> v = stackalloc float[8];
        int result = 0;
        float best = float.NegativeInfinity;
        for (int k = 0; k < classes; k++)
        {
            ReadOnlySpan<Half> a = low.Class(k), b = high.Class(k);
            v[0] = (float)a[r0 + x0];
            v[1] = (float)a[r0 + x1];
            v[2] = (float)a[r1 + x0];
            v[3] = (float)a[r1 + x1];
            v[4] = (float)b[r0 + x0];
            v[5] = (float)b[r0 + x1];
            v[6] = (float)b[r1 + x0];
            v[7] = (float)b[r1 + x1];
            float value = channelsLast ? ChannelsLast(v, w) : Nested(v, w);
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

    /// <summary>torch's NCDHW kernel: x innermost, each level fma(t0, w0, t1·w1); a selected axis just takes its low tap.</summary>
    private float Nested(ReadOnlySpan<float> v, ReadOnlySpan<float> w)
    {
        float z0 = Level(1, Level(2, v[0], v[1], w), Level(2, v[2], v[3], w), w);
        float z1 = Level(1, Level(2, v[4], v[5], w), Level(2, v[6], v[7], w), w);
        return Level(0, z0, z1, w);
    }

    private float Level(int axis, float t0, float t1, ReadOnlySpan<float> w) =>
        axis == selected ? t0 : MathF.FusedMultiplyAdd(t0, w[2 * axis], t1 * w[(2 * axis) + 1]);

    /// <summary>torch's channels-last kernel: float32 weight products, the terms summed in float64 in tap order.</summary>
    private float ChannelsLast(ReadOnlySpan<float> v, ReadOnlySpan<float> w)
    {
        double sum = 0;
        bool first = true;
        for (int t = 0; t < 8; t++)
        {
            int zi = t >> 2, yi = (t >> 1) & 1, xi = t & 1;
            if ((selected == 0 && zi == 1) || (selected == 1 && yi == 1) || (selected == 2 && xi == 1))
            {
                continue;
            }

            float weight = selected switch
            {
                0 => w[2 + yi] * w[4 + xi],
                1 => w[zi] * w[4 + xi],
                2 => w[zi] * w[2 + yi],
                _ => w[zi] * w[2 + yi] * w[4 + xi],
            };
            double term = v[t] * (double)weight;
            sum = first ? term : sum + term;
            first = false;
        }

        return (float)sum;
    }
}
