using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SegEngine.Export;
using SegEngine.Model;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Scale;

/// <summary>What one fused export in its own process measured.</summary>
/// <param name="SlabDepth">Input slices per call of the exporter; the whole depth when handed over at once.</param>
/// <param name="LogitBytes">The fp16 input logits, K·N_pre·2, allocated and filled before the export starts.</param>
/// <param name="RssBeforeBytes">VmRSS after the logits are filled and the heap collected.</param>
/// <param name="PeakRssBytes">VmHWM over the export alone (the high-water mark is reset just before it).</param>
/// <param name="LabelMapBytes">The export's output label map (uint8 for fewer than 255 labels).</param>
/// <param name="EngineWorkingBytes">The exporter's own count of its peak working memory besides the label map.</param>
internal sealed record ExportMeasurement(
    int Classes,
    int[] PreprocessedShape,
    int[] OriginalShape,
    int SlabDepth,
    long LogitBytes,
    long RssBeforeBytes,
    long PeakRssBytes,
    long LabelMapBytes,
    long EngineWorkingBytes,
    double Seconds)
{
    /// <summary>Peak RSS growth during the export: everything the export allocated and touched, its label map included.</summary>
    public long ExportBytes => PeakRssBytes - RssBeforeBytes;
}

/// <summary>
/// <c>scale-export K PRE_z,y,x ORIG_z,y,x SLAB RESULT</c> (hidden, run by <c>scale</c> in a fresh process): fills K fp16
/// logit volumes on the preprocessed grid, then runs the fused export (order-1 resampling to the original grid, argmax,
/// label map) and writes an <see cref="ExportMeasurement"/>: the export's own memory, separated from its input. SLAB 0
/// hands the whole volume over in one call, exactly as <see cref="SegmentationExport.Export(VolumeBuffer{Half}, ExportPlan)"/>
/// does; SLAB &gt; 0 hands it over in slabs of that many slices, as the sliding window does in a prediction.
/// </summary>
internal static class ExportMemoryPoint
{
    public const string Command = "scale-export";

    public static int Run(string[] args)
    {
        if (args.Length != 5)
        {
            Console.Error.WriteLine($"usage: SegEngine.Perf {Command} K PRE_z,y,x ORIG_z,y,x SLAB RESULT");
            return PerfExit.Usage;
        }

        int classes = int.Parse(args[0], CultureInfo.InvariantCulture);
        int[] pre = ScaleOptions.ParseList(args[1]);
        int[] original = ScaleOptions.ParseList(args[2]);
        int slabDepth = int.Parse(args[3], CultureInfo.InvariantCulture);
        ExportPlan plan = PlanFor(classes, new Shape3(pre[0], pre[1], pre[2]), new Shape3(original[0], original[1], original[2]));
        Shape3 shape = plan.PreprocessedShape;
        slabDepth = slabDepth > 0 ? Math.Min(slabDepth, shape.Z) : shape.Z;

        // The slab buffer belongs to the input side, as the prediction's "output slab" does: allocated before measuring.
        using VolumeBuffer<Half> logits = VolumeBuffer<Half>.Allocate(classes, shape);
        using VolumeBuffer<Half>? slabs = slabDepth < shape.Z ? VolumeBuffer<Half>.Allocate(classes, shape with { Z = slabDepth }) : null;
        FillLogits(logits);

        // Native buffers are committed when first written, not when allocated: write the slab buffer now, or its pages
        // would count as the export's memory.
        if (slabs is not null)
        {
            CopySlab(logits, 0, slabDepth, slabs.Span);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long before = ResidentMemory.Current();
        ResidentPeak.Reset();

        long start = Stopwatch.GetTimestamp();
        using var exporter = new SegmentationExporter(plan);
        exporter.Begin(classes, shape);
        for (int z = 0; z < shape.Z; z += slabDepth)
        {
            int count = Math.Min(slabDepth, shape.Z - z);
            exporter.Accept(z, count, slabs is null ? logits.Span : CopySlab(logits, z, count, slabs.Span));
        }

        exporter.Complete();
        using LabelMap labels = exporter.DetachLabels();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long peak = ResidentMemory.Peak();

        var measurement = new ExportMeasurement(
            classes,
            pre,
            original,
            slabDepth,
            (long)logits.Length * 2,
            before,
            peak,
            labels.Shape.Voxels * (labels.IsUInt16 ? 2 : 1),
            exporter.PeakWorkingBytes,
            seconds);
        File.WriteAllText(args[4], JsonSerializer.Serialize(measurement));
        return PerfExit.Success;
    }

    /// <summary>Slices [z, z + count) of every class, laid out as the exporter takes a slab: (K, count, y, x).</summary>
    private static ReadOnlySpan<Half> CopySlab(VolumeBuffer<Half> logits, int z, int count, Span<Half> slab)
    {
        int plane = logits.Shape.Y * logits.Shape.X;
        for (int k = 0; k < logits.Channels; k++)
        {
            logits.Channel(k).Slice(z * plane, count * plane).CopyTo(slab.Slice(k * count * plane, count * plane));
        }

        return slab[..(logits.Channels * count * plane)];
    }

    /// <summary>
    /// The original image is the preprocessed grid upsampled by an integer factor per axis (spacing 0.8 mm, the logits at
    /// 0.8·factor mm), uncropped and untransposed; isotropic, so the export takes the non-separate-z path.
    /// </summary>
    private static ExportPlan PlanFor(int classes, Shape3 preprocessed, Shape3 original)
    {
        double[] newSpacing = [0.8, 0.8, 0.8];
        double[] currentSpacing = [.. Enumerable.Range(0, 3).Select(axis => 0.8 * original[axis] / preprocessed[axis])];
        return new ExportPlan(
            classes,
            RegionsClassOrder: null,
            new ResamplingSpec(ResamplingSpec.DefaultFunction, IsSeg: false, Order: 1, OrderZ: 0, ForceSeparateZ: null),
            currentSpacing,
            newSpacing,
            preprocessed,
            original,
            [(0, original.Z), (0, original.Y), (0, original.X)],
            original,
            [0, 1, 2]);
    }

    /// <summary>
    /// Blocks of 8×16×16 voxels each won by one class (+2) over hash noise in [−0.5, 0.5): the export meets both its fast
    /// path (a clear winner at all 8 taps) inside blocks and its per-class path at block edges, as with a real model.
    /// </summary>
    private static void FillLogits(VolumeBuffer<Half> logits)
    {
        Shape3 shape = logits.Shape;
        int classes = logits.Channels;
        Parallel.For(0, classes * shape.Z, task =>
        {
            int k = task / shape.Z;
            int z = task % shape.Z;
            Span<Half> slice = logits.Channel(k).Slice(z * shape.Y * shape.X, shape.Y * shape.X);
            for (int y = 0; y < shape.Y; y++)
            {
                for (int x = 0; x < shape.X; x++)
                {
                    long flat = ((((long)k * shape.Z) + z) * shape.Y + y) * shape.X + x;
                    uint hash = unchecked((uint)flat * 2654435761u);
                    float noise = ((hash >> 24) / 256f) - 0.5f;
                    int winner = ((z >> 3) + (y >> 4) + (x >> 4)) % classes;
                    slice[(y * shape.X) + x] = (Half)(noise + (winner == k ? 2 : 0));
                }
            }
        });
    }

}
