using SegEngine.Resampling;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// The slices of separate-z resampling: 2-D slices across the low-resolution axis, and for each output index along
/// that axis the input slice it copies.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.5, "Separate along axis a": the slice order (remaining axes ascending) is that of
/// <c>data[c, :, s]</c> and friends; along the axis nnU-Net's order-0 <c>map_coordinates</c> picks
/// clamp(floor(scale·(o + 0.5) − 0.5 + 0.5)) when the length changes, and copies slice o otherwise.
/// </remarks>
internal sealed class SliceLayout
{
    private readonly int axis;
    private readonly int[] inputStrides;
    private readonly int[] outputStrides;
    private readonly int[] sourceOfOutput;
    private readonly bool[] used;

    public SliceLayout(ResamplingPlan plan)
    {
        axis = plan.LowResolutionAxis;
        Shape3 input = plan.InputShape;
        Shape3 output = plan.OutputShape;
        inputStrides = [input.Y * input.X, input.X, 1];
        outputStrides = [output.Y * output.X, output.X, 1];
        (int p, int q) = axis switch { 0 => (1, 2), 1 => (0, 2), _ => (0, 1) };
        InPlaneAxes = (p, q);
        InputSlice = new Shape3(1, input[p], input[q]);
        OutputSlice = new Shape3(1, output[p], output[q]);
        InputCount = input[axis];
        LengthChanges = input[axis] != output[axis];
        sourceOfOutput = new int[output[axis]];
        used = new bool[InputCount];
        SplineTaps? selection = LengthChanges ? SplineTaps.Create(input[axis], output[axis], 0) : null;
        for (int o = 0; o < sourceOfOutput.Length; o++)
        {
            sourceOfOutput[o] = selection?.Index(o, 0) ?? o;
            used[sourceOfOutput[o]] = true;
        }
    }

    public (int P, int Q) InPlaneAxes { get; }

    public Shape3 InputSlice { get; }

    public Shape3 OutputSlice { get; }

    public int InputCount { get; }

    /// <summary>True when the axis is resampled (a selection), false when its slices are copied one to one.</summary>
    public bool LengthChanges { get; }

    public bool IsUsed(int slice) => used[slice];

    /// <summary>Copies input slice <paramref name="slice"/> into a contiguous buffer.</summary>
    public unsafe void Extract<T>(T* volume, int slice, T* destination)
        where T : unmanaged
    {
        (int p, int q) = InPlaneAxes;
        T* start = volume + (nint)slice * inputStrides[axis];
        int sp = inputStrides[p];
        int sq = inputStrides[q];
        for (int i = 0; i < InputSlice.Y; i++)
        {
            for (int j = 0; j < InputSlice.X; j++)
            {
                destination[i * InputSlice.X + j] = start[(nint)i * sp + (nint)j * sq];
            }
        }
    }

    /// <summary>
    /// Writes a resized slice to every output index that selects input slice <paramref name="slice"/>;
    /// <paramref name="store"/> receives the value and whether the axis is resampled (a selection).
    /// </summary>
    public unsafe void Scatter<T>(T* resized, int slice, T* volume, Func<T, bool, T> store)
        where T : unmanaged
    {
        (int p, int q) = InPlaneAxes;
        int sp = outputStrides[p];
        int sq = outputStrides[q];
        for (int o = 0; o < sourceOfOutput.Length; o++)
        {
            if (sourceOfOutput[o] != slice)
            {
                continue;
            }

            T* start = volume + (nint)o * outputStrides[axis];
            for (int i = 0; i < OutputSlice.Y; i++)
            {
                for (int j = 0; j < OutputSlice.X; j++)
                {
                    start[(nint)i * sp + (nint)j * sq] = store(resized[i * OutputSlice.X + j], LengthChanges);
                }
            }
        }
    }
}
