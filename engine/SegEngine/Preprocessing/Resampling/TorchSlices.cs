using SegEngine.Resampling;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// The separate-z geometry of <c>resample_torch_fornnunet</c>: the in-plane axes (p, q: the other two, in order) with
/// their bilinear taps, and for each input slice along the low-resolution axis the output slices that
/// <c>nearest-exact</c> selects from it (only those slices are ever resampled; the others nnU-Net discards).
/// </summary>
internal sealed class TorchSlices
{
    private readonly int axis;
    private readonly Shape3 input;
    private readonly Shape3 output;
    private readonly int[] source;

    public TorchSlices(ResamplingPlan plan)
    {
        axis = plan.LowResolutionAxis;
        input = plan.InputShape;
        output = plan.OutputShape;
        int p = axis == 0 ? 1 : 0;
        int q = axis == 2 ? 1 : 2;
        P = TorchTaps.Linear<float>(input[p], output[p]);
        Q = TorchTaps.Linear<float>(input[q], output[q]);
        PlaneUnchanged = input[p] == output[p] && input[q] == output[q];
        InputPlane = input[p] * input[q];
        OutputPlane = output[p] * output[q];
        source = TorchTaps.NearestExact(input[axis], output[axis]);
    }

    public TapPairs<float> P { get; }

    public TapPairs<float> Q { get; }

    /// <summary>torch returns the in-plane input as is when its shape does not change.</summary>
    public bool PlaneUnchanged { get; }

    public int InputPlane { get; }

    public int OutputPlane { get; }

    /// <summary>Each input slice that some output slice selects, with those output slices.</summary>
    public IEnumerable<(int Source, int[] Outputs)> Selections() =>
        Enumerable.Range(0, source.Length).GroupBy(o => source[o]).Select(g => (g.Key, g.ToArray()));

    /// <summary>Copies input slice <paramref name="index"/> along the axis into a p·q plane.</summary>
    public void Extract<T>(ReadOnlySpan<T> volume, int index, Span<T> plane)
    {
        int q = axis == 2 ? input.Y : input.X;
        for (int i = 0; i < InputPlane; i++)
        {
            plane[i] = volume[(int)Offset(input, index, i / q, i % q)];
        }
    }

    /// <summary>Writes a p·q plane as output slice <paramref name="index"/> along the axis.</summary>
    public void Insert<T>(ReadOnlySpan<T> plane, Span<T> volume, int index)
    {
        int q = axis == 2 ? output.Y : output.X;
        for (int i = 0; i < OutputPlane; i++)
        {
            volume[(int)Offset(output, index, i / q, i % q)] = plane[i];
        }
    }

    /// <summary>The flat z·y·x offset of (slice <paramref name="index"/> along the axis, p, q).</summary>
    private long Offset(Shape3 shape, int index, int p, int q) => axis switch
    {
        0 => (((long)index * shape.Y) + p) * shape.X + q,
        1 => (((long)p * shape.Y) + index) * shape.X + q,
        _ => (((long)p * shape.Y) + q) * shape.X + index,
    };
}
