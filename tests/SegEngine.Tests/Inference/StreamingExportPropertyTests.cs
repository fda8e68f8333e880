using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The sliding window streaming its finished slices straight from the accumulator into the fused export, against the
/// naive whole-volume sliding window followed by the naive export: equal labels and equal fp16 logits, on random
/// problems whose tile rows do and do not divide the volume, with folds, mirroring, batches, slabs of 1–3 slices, and
/// finished slices handed over whole or band by band.
/// </summary>
public class StreamingExportPropertyTests
{
    public static IEnumerable<object[]> Rows =>
    [
        // image z; patch z; step: the z offsets of 10 slices with a 4-slice patch at step 0.5 are 0, 2, 3, 5, 6 (rows of
        // uneven height); 12 slices at step 1.0 give 0, 4, 8 (rows that divide the volume); 3 slices are padded to 4.
        [10, 4, 0.5, 2],
        [12, 4, 1.0, 1],
        [13, 5, 0.33, 3],
        [3, 4, 0.5, 2],
        [4, 4, 0.5, 1],
    ];

    [Theory]
    [MemberData(nameof(Rows))]
    public void TileRowsThatDoAndDoNotDivideTheVolume(int slices, int patchZ, double step, int folds)
    {
        for (int seed = 0; seed < 6; seed++)
        {
            var random = new Random((seed * 97) + slices);
            var shape = new Shape3(slices, random.Next(5, 14), random.Next(5, 14));
            int[] patch = [patchZ, random.Next(3, 9), random.Next(3, 9)];
            AssertStreamedExportEqualsNaive(random, shape, patch, step, folds, $"seed {seed}");
        }
    }

    /// <summary>
    /// Planes of several pages, so that handing over in bands really discards the rows behind the band and reuses blocks
    /// whose pages went back to the OS (they must read as zero).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PlanesLargerThanPagesWithRowsDiscardedBehindEachBand(bool inBands)
    {
        var random = new Random(inBands ? 11 : 12);
        AssertStreamedExportEqualsNaive(random, new Shape3(11, 45, 130), [4, 16, 64], 0.5, 2, "large planes", inBands);
    }

    [Fact]
    public void RandomProblemsIncludingTwoDimensionalPatches()
    {
        for (int seed = 0; seed < 40; seed++)
        {
            var random = new Random(seed);
            var shape = new Shape3(random.Next(1, 16), random.Next(3, 14), random.Next(3, 14));
            int[] patch = random.Next(4) == 0 ? [random.Next(3, 9), random.Next(3, 9)] : [random.Next(1, 7), random.Next(3, 9), random.Next(3, 9)];
            double[] steps = [0.5, 0.33, 0.7, 1.0];
            AssertStreamedExportEqualsNaive(random, shape, patch, steps[random.Next(steps.Length)], random.Next(1, 4), $"seed {seed}");
        }
    }

    private static void AssertStreamedExportEqualsNaive(Random random, Shape3 shape, int[] patch, double step, int folds, string what, bool? inBands = null)
    {
        int channels = random.Next(1, 3);
        int classes = random.Next(2, 6);
        int[] axes = [.. Enumerable.Range(0, patch.Length).Where(_ => random.Next(2) == 0)];
        int batch = random.Next(1, 3);
        var networks = Enumerable.Range(0, folds)
            .Select(f => new FakeTileNetwork(channels, classes, patch, dynamicBatch: true, 0.11f * f))
            .ToArray();
        var options = new InferenceOptions { StepSize = step, BatchSize = batch, BatchMirrors = random.Next(2) == 0 };
        ExportPlan plan = RandomPlan(random, classes, shape);
        using VolumeBuffer<float> image = VolumeBuffer<float>.Allocate(channels, shape);
        foreach (ref float v in image.Span)
        {
            v = (random.NextSingle() * 4) - 2;
        }

        // Slabs smaller than a tile row's finished slices, as the 16 of a real case are against its 40-odd.
        bool? handOver = inBands ?? (random.Next(3) switch { 0 => null, 1 => true, _ => false });
        var predictor = new SlidingWindowPredictor(options, axes) { ExportSlabSlices = random.Next(1, 4), ExportInBands = handOver };
        using var exporter = new SegmentationExporter(plan);
        predictor.Predict(image, networks, exporter, CancellationToken.None);
        using LabelMap map = exporter.DetachLabels();
        int[] actual = map.IsUInt16 ? [.. map.UInt16.ToArray().Select(v => (int)v)] : [.. map.Bytes.ToArray().Select(v => (int)v)];
        using var collector = new LogitVolumeSink();
        predictor.Predict(image, networks, collector, CancellationToken.None);
        using VolumeBuffer<Half> streamed = collector.TakeVolume();

        Half[] logits = NaiveSlidingWindow.Predict(
            image.Span.ToArray(), channels, shape, patch, step, classes, axes, networks.Select(n => (NaiveSlidingWindow.TileFunction)n.Evaluate).ToArray());
        string problem = $"{what}: image {shape}, patch {string.Join("x", patch)}, step {step}, mirror [{string.Join(",", axes)}], {folds} folds, batch {batch}, slabs of {predictor.ExportSlabSlices}, in bands {handOver?.ToString() ?? "as planned"}";
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.True(
                BitConverter.HalfToUInt16Bits(logits[i]) == BitConverter.HalfToUInt16Bits(streamed.Span[i]),
                $"{problem}: logit {i} is {streamed.Span[i]}, naive {logits[i]}");
        }

        int[] expected = NaiveExport.Labels(logits, plan);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i] == actual[i], $"{problem}: label {i} is {actual[i]}, naive {expected[i]}");
        }
    }

    /// <summary>An export plan for logits of <paramref name="input"/>: resampled or not, cropped, transposed, all at random.</summary>
    private static ExportPlan RandomPlan(Random random, int classes, Shape3 input)
    {
        Shape3 crop = random.Next(4) == 0 ? input : new Shape3(random.Next(1, 2 * input.Z + 2), random.Next(1, 2 * input.Y), random.Next(1, 2 * input.X));
        double[] choices = [0.5, 0.8, 1.0, 2.5, 5.0];
        double[] Spacing() => [.. Enumerable.Range(0, 3).Select(_ => choices[random.Next(choices.Length)])];
        int[] padBefore = [random.Next(3), random.Next(3), random.Next(3)];
        var full = new Shape3(crop.Z + padBefore[0] + random.Next(3), crop.Y + padBefore[1] + random.Next(3), crop.X + padBefore[2] + random.Next(3));
        (int, int)[] bbox = [.. Enumerable.Range(0, 3).Select(a => (padBefore[a], padBefore[a] + crop[a]))];
        int[] transpose = [0, 1, 2];
        random.Shuffle(transpose);
        var spec = new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 1, 0, null);
        return new ExportPlan(classes, null, spec, Spacing(), Spacing(), input, crop, bbox, full, transpose);
    }
}
