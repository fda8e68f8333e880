using SegEngine.Export;

namespace SegEngine.Resampling;

/// <summary>
/// The taps and float32 weights of one output voxel of torch-resampled logits, and the float32 value torch's CPU kernel
/// forms from them: the one place that arithmetic is written for the export (labels and probabilities).
/// </summary>
/// <remarks>
/// NCDHW kernel: x innermost, each level fma(t0, w0, f32(t1·w1)); channels-last kernel: float32 weight products, terms
/// summed in float64 in tap order. Along the separate-z axis <c>nearest-exact</c> only selects (the low tap).
/// nnunet-parity.md §3.5 (torch resampling).
/// </remarks>
internal readonly ref struct TorchStencil
{
    private readonly int row0;
    private readonly int row1;
    private readonly int x0;
    private readonly int x1;
    private readonly int selected;
    private readonly bool channelsLast;
    private readonly ReadOnlySpan<float> w;

    /// <summary>The stencil of output voxel (oz, oy, ox); <paramref name="weights"/> is six floats of scratch it keeps its weights in.</summary>
    public TorchStencil(ResamplingGrid grid, TorchLayout layout, int oz, int oy, int ox, Span<float> weights)
    {
        TapPairs<double> tz = grid.Z, ty = grid.Y, tx = grid.X;
        LowSlice = tz.Low[oz];
        HighSlice = tz.High[oz];
        row0 = ty.Low[oy];
        row1 = ty.High[oy];
        x0 = tx.Low[ox];
        x1 = tx.High[ox];
        selected = grid.LowResAxis ?? -1;
        channelsLast = selected < 0 ? layout.ChannelsLast3D : layout.ChannelsLastPlane;
        weights[0] = (float)tz.W0[oz];
        weights[1] = (float)tz.W1[oz];
        weights[2] = (float)ty.W0[oy];
        weights[3] = (float)ty.W1[oy];
        weights[4] = (float)tx.W0[ox];
        weights[5] = (float)tx.W1[ox];
        w = weights;
    }

    /// <summary>The input slice (axis 0) of the low taps.</summary>
    public int LowSlice { get; }

    /// <summary>The input slice (axis 0) of the high taps.</summary>
    public int HighSlice { get; }

    /// <summary>Class <paramref name="k"/>'s value from the class planes of input slices <see cref="LowSlice"/> and <see cref="HighSlice"/>.</summary>
    public float Value(SliceClassPlanes low, SliceClassPlanes high, int k)
    {
        Span<float> v = stackalloc float[8];
        new StencilRows(low, high, k, row0, row1).Taps(x0, x1, v);
        return channelsLast ? ChannelsLast(v) : Nested(v);
    }

    private float Nested(ReadOnlySpan<float> v)
    {
        float z0 = Level(1, Level(2, v[0], v[1]), Level(2, v[2], v[3]));
        float z1 = Level(1, Level(2, v[4], v[5]), Level(2, v[6], v[7]));
        return Level(0, z0, z1);
    }

    private float Level(int axis, float t0, float t1) =>
        axis == selected ? t0 : MathF.FusedMultiplyAdd(t0, w[2 * axis], t1 * w[(2 * axis) + 1]);

    private float ChannelsLast(ReadOnlySpan<float> v)
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
