using BenchmarkDotNet.Attributes;
using SegEngine.Export;
using SegEngine.Model;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// Logits → label map at K classes: the engine's fused export (<see cref="SegmentationExport"/>) against the
/// materialising export nnU-Net does (<see cref="MaterializingExport"/>), on typical and worst-case cells.
/// </summary>
public class ExportBenchmark
{
    private Half[] logits = [];
    private VolumeBuffer<Half>? logitVolume;
    private ExportPlan? plan;

    [Params(ExportCells.Typical, ExportCells.Worst)]
    public ExportCells Cells { get; set; }

    private ExportPlan Plan => plan ?? throw new InvalidOperationException("GlobalSetup has not run");

    [GlobalSetup(Target = nameof(Fused))]
    public void SetupFused() => Prepare();

    /// <summary>Also checks once that both exports give the same labels, so the ratio compares equal work.</summary>
    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive()
    {
        Prepare();
        byte[] naive = MaterializingExport.Labels(logits, Plan);
        using LabelMap fused = SegmentationExport.Export(logitVolume!, Plan);
        int differences = 0;
        ReadOnlySpan<byte> fusedLabels = fused.Bytes;
        for (int i = 0; i < naive.Length; i++)
        {
            differences += naive[i] != fusedLabels[i] ? 1 : 0;
        }

        if (differences > 0)
        {
            throw new InvalidOperationException($"the fused and the materialising export disagree on {differences} of {naive.Length} voxels ({Cells} cells)");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        logitVolume?.Dispose();
        logitVolume = null;
        logits = [];
    }

    [Benchmark]
    public byte Fused()
    {
        using LabelMap labels = SegmentationExport.Export(logitVolume!, Plan);
        return labels.Bytes[^1];
    }

    [Benchmark]
    public byte Naive() => MaterializingExport.Labels(logits, Plan)[^1];

    private void Prepare()
    {
        KernelSizes sizes = KernelSizes.Current;
        Shape3 crop = sizes.ExportCrop;
        Shape3 original = sizes.ExportOriginal;
        (int Start, int End)[] box = new (int, int)[3];
        for (int axis = 0; axis < 3; axis++)
        {
            int start = (original[axis] - crop[axis]) / 2;
            box[axis] = (start, start + crop[axis]);
        }

        // 1.5 mm network grid back to a 1.0 mm CT: linear on all three axes, no separate-z.
        plan = new ExportPlan(
            sizes.Classes, null, new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 1, 0, null),
            [1.5, 1.5, 1.5], [1.0, 1.0, 1.0], sizes.ExportInput, crop, box, original, [0, 1, 2]);
        logits = SyntheticLogits.Create(sizes.Classes, sizes.ExportInput, Cells);
        logitVolume = VolumeBuffer<Half>.Allocate(sizes.Classes, sizes.ExportInput);
        logits.CopyTo(logitVolume.Span);

        var traffic = new KernelTraffic(
            (2L * logits.Length) + original.Voxels,
            $"K={sizes.Classes} {sizes.ExportInput} -> {crop} in {original}",
            "fp16 logits read (2 per class and input voxel) + uint8 label map written (1 per original voxel)");
        TrafficTable.Register(typeof(ExportBenchmark), nameof(Fused), traffic);
        TrafficTable.Register(typeof(ExportBenchmark), nameof(Naive), traffic);
    }
}
