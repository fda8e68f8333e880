using System.Text.Json;
using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Resampling;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Export;

public sealed class SegmentationExporterTests
{
    private static string ExportFixtures => Path.Combine(TestPaths.Fixtures, "export");

    [Theory]
    [InlineData("3d_fullres", "logits_tta.npy", "3d_fullres_tta")]
    [InlineData("3d_fullres", "logits_notta.npy", "3d_fullres_notta")]
    [InlineData("2d", "logits_tta.npy", "2d_tta")]
    [InlineData("2d", "logits_notta.npy", "2d_notta")]
    public void SampleLogitsGiveNnUNetsSegmentations(string configuration, string logitsFile, string run)
    {
        foreach (string caseId in new[] { "case_000", "case_001", "case_003" })
        {
            (ExportPlan plan, VolumeBuffer<Half> logits) = ExportTestData.Sample(configuration, caseId, logitsFile);
            using (logits)
            {
                NpyArray reference = Npy.ReadFromNpz(Path.Combine(ExportFixtures, "labels", run + ".npz"), caseId);
                Assert.Equal(plan.OriginalShape.ToArray().Select(d => (long)d), reference.Shape);
                var labels = new byte[plan.OriginalShape.Voxels];
                SegmentationExport.Export(logits, plan, labels);
                int differing = labels.Zip(reference.As<byte>().ToArray()).Count(p => p.First != p.Second);
                Assert.True(differing == 0, $"{run}/{caseId}: {differing} voxels differ from nnU-Net");
            }
        }
    }

    [Fact]
    public void Case001IsResampledAndOthersAreNot()
    {
        (ExportPlan resampled, VolumeBuffer<Half> a) = ExportTestData.Sample("3d_fullres", "case_001", "logits_tta.npy");
        (ExportPlan unchanged, VolumeBuffer<Half> b) = ExportTestData.Sample("3d_fullres", "case_003", "logits_tta.npy");
        a.Dispose();
        b.Dispose();
        Assert.True(resampled.Resamples);
        Assert.False(SeparateZRule.Determine(resampled.Resampling.ForceSeparateZ, resampled.CurrentSpacing, resampled.NewSpacing).SeparateZ);
        Assert.False(unchanged.Resamples);
    }

    [Fact]
    public void FusedExportEqualsNaiveOnRandomProblems()
    {
        for (int seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            (ExportPlan plan, Half[] logits) = ExportTestData.Random(random);
            int[] expected = NaiveExport.Labels(logits, plan);
            int[] actual = ExportTestData.Fused(plan, logits, new Random(seed + 1_000_000));
            int mismatch = -1;
            for (int i = 0; i < expected.Length; i++)
            {
                if (expected[i] != actual[i])
                {
                    mismatch = i;
                    break;
                }
            }

            Assert.True(mismatch < 0, $"seed {seed}: voxel {mismatch} is {(mismatch < 0 ? 0 : actual[mismatch])}, naive {(mismatch < 0 ? 0 : expected[mismatch])}; plan {Describe(plan)}");
        }
    }

    [Fact]
    public void FusedExportEqualsNaiveWithNearTiesAtAnyClassCount()
    {
        // Undecided voxels are tried on their row's tap winners at every class count, and from
        // ExactVoxel.TapWinnersFromClasses classes on first on each voxel's own.
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            (ExportPlan plan, Half[] logits) = ExportTestData.Random(random, random.Next(2, ExactVoxel.TapWinnersFromClasses + 9));
            int[] expected = NaiveExport.Labels(logits, plan);
            int[] actual = ExportTestData.Fused(plan, logits, new Random(seed + 1_000_000));
            Assert.True(expected.SequenceEqual(actual), $"seed {seed}: plan {Describe(plan)}");
        }
    }

    [Fact]
    public void RandomProblemsCoverEveryPath()
    {
        var seen = new HashSet<string>();
        for (int seed = 0; seed < 400; seed++)
        {
            (ExportPlan plan, _) = ExportTestData.Random(new Random(seed));
            seen.Add(!plan.Resamples ? "none" : plan.CreateResamplingGrid().LowResAxis is int a ? $"sepz{a}" : "linear");
            seen.Add(plan.IsRegions ? "regions" : "labels");
            seen.Add(plan.LabelsFitInBytes ? "uint8" : "uint16");
        }

        Assert.Superset(new HashSet<string> { "none", "linear", "sepz0", "sepz1", "sepz2", "regions", "labels", "uint8", "uint16" }, seen);
    }

    [Fact]
    public void FastPathNeedsAStrictMarginWhenTheWinnerIsNotTheLowestClass()
    {
        // Class 1 wins both taps, its smallest tap (1.0) equals class 0's largest. Halfway between the taps both fp16
        // roundings tie to 1.0 (round half to even), so class 0 wins the tie: a non-strict margin test would say 1.
        var input = new Shape3(1, 1, 2);
        var crop = new Shape3(1, 1, 3);
        var plan = new ExportPlan(2, null, ExportTestData.SampleProbabilities, [1, 1, 1], [1, 1, 1], input, crop,
            [(0, 1), (0, 1), (0, 3)], crop, [0, 1, 2]);
        Half[] logits = [BitConverter.UInt16BitsToHalf(0x3BFF), (Half)1, (Half)1, BitConverter.UInt16BitsToHalf(0x3C01)];
        Assert.Equal([1, 0, 1], NaiveExport.Labels(logits, plan));
        Assert.Equal([1, 0, 1], ExportTestData.Fused(plan, logits, new Random(0)));
    }

    [Fact]
    public void ClipCannotChangeTheFp16Result()
    {
        // The exporter relies on round_fp16(clip(V)) == round_fp16(V) (docs/fused-export.md).
        // Adversarial: plateaus at the extremes of fp16 and at channel maxima, where float64 weights overshoot.
        for (int seed = 0; seed < 300; seed++)
        {
            var random = new Random(seed);
            (ExportPlan plan, Half[] logits) = ExportTestData.Random(random);
            if (!plan.Resamples)
            {
                continue;
            }

            Half[] clipped = NaiveExport.Resample(logits, plan, clip: true);
            Half[] unclipped = NaiveExport.Resample(logits, plan, clip: false);
            for (int i = 0; i < clipped.Length; i++)
            {
                Assert.True(clipped[i] == unclipped[i], $"seed {seed}: element {i} clipped {clipped[i]} unclipped {unclipped[i]}");
            }
        }
    }

    [Theory]
    [InlineData("linear_up")]
    [InlineData("linear_down")]
    [InlineData("sepz_axis0")]
    [InlineData("sepz_axis2")]
    public void NaiveResamplingMatchesSkimageBitForBit(string name)
    {
        // The naive twin is the referee of the property tests; this pins it to skimage/scipy (fixture generate.py).
        NpyArray input = Npy.Read(Path.Combine(ExportFixtures, "resize", name + "_input.npy"));
        NpyArray output = Npy.Read(Path.Combine(ExportFixtures, "resize", name + "_output.npy"));
        using JsonDocument cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(ExportFixtures, "resize", "cases.json")));
        JsonElement meta = cases.RootElement.GetProperty(name);
        int[] newShape = meta.GetProperty("new_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        int? axis = meta.GetProperty("separate_axis").ValueKind == JsonValueKind.Null ? null : meta.GetProperty("separate_axis").GetInt32();

        // Spacings that make the anisotropy rule pick the fixture's axis (or none).
        double[] current = [1.0, 1.0, 1.0];
        if (axis is int a)
        {
            current[a] = 5.0;
        }

        int classes = (int)input.Shape[0];
        var inShape = new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]);
        var crop = Shape3.FromArray(newShape);
        var plan = new ExportPlan(
            classes, null, ExportTestData.SampleProbabilities, current, [1.0, 1.0, 1.0], inShape, crop,
            [(0, crop.Z), (0, crop.Y), (0, crop.X)], crop, [0, 1, 2]);
        Assert.Equal(axis, NaiveExport.NaiveSeparateZ(plan));
        Half[] actual = NaiveExport.Resample(input.As<Half>().ToArray(), plan);
        ushort[] expected = output.As<Half>().ToArray().Select(BitConverter.HalfToUInt16Bits).ToArray();
        Assert.Equal(expected, actual.Select(BitConverter.HalfToUInt16Bits).ToArray());

        // And the fused export takes the argmax of exactly these values.
        int[] fused = ExportTestData.Fused(plan, input.As<Half>().ToArray(), new Random(1));
        long voxels = crop.Voxels;
        Half[] resampled = output.As<Half>().ToArray();
        for (long v = 0; v < voxels; v++)
        {
            int best = 0;
            for (int k = 1; k < classes; k++)
            {
                if ((float)resampled[(k * voxels) + v] > (float)resampled[(best * voxels) + v])
                {
                    best = k;
                }
            }

            Assert.Equal(best, fused[v]);
        }
    }

    [Fact]
    public void DoubleToHalfStoreRoundsDirectlyLikeNumPy()
    {
        // nnU-Net stores the float64 resize result with NumPy's astype(float16): one rounding, not double -> float -> half.
        NpyArray pairs = Npy.Read(Path.Combine(ExportFixtures, "half_rounding.npy"));
        ReadOnlySpan<ulong> bits = pairs.As<ulong>();
        int n = (int)pairs.Shape[1];
        for (int i = 0; i < n; i++)
        {
            double value = BitConverter.UInt64BitsToDouble(bits[i]);
            Assert.Equal((ushort)bits[n + i], BitConverter.HalfToUInt16Bits((Half)value));
            Assert.NotEqual((ushort)bits[n + i], BitConverter.HalfToUInt16Bits((Half)(float)value));
        }
    }

    [Fact]
    public void RegionThresholdMatchesTorchSigmoidForEveryHalf()
    {
        byte[] on = Npy.Read(Path.Combine(ExportFixtures, "sigmoid_on.npy")).As<byte>().ToArray();
        for (int bits = 0; bits < 65536; bits++)
        {
            float value = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            bool expected = on[bits] == 1;
            Assert.True(expected == (float.IsFinite(value) && value > RegionHead.OnThreshold), $"fp16 bits 0x{bits:x4}");
        }
    }

    [Fact]
    public void WorkingMemoryDoesNotGrowWithClasses()
    {
        var shape = new Shape3(24, 48, 40);
        var crop = new Shape3(30, 60, 50);
        long[] peaks = new long[2];
        long[] retained = new long[2];
        int[] classCounts = [3, 64];
        for (int i = 0; i < 2; i++)
        {
            int classes = classCounts[i];
            var plan = new ExportPlan(
                classes, null, ExportTestData.SampleProbabilities, [1, 1, 1], [0.8, 0.8, 0.8], shape, crop,
                [(0, crop.Z), (0, crop.Y), (0, crop.X)], crop, [0, 1, 2]);
            Half[] logits = ExportTestData.RandomLogits(new Random(5), classes, shape, false);
            using var exporter = new SegmentationExporter(plan);
            exporter.Begin(classes, shape);
            int plane = shape.Y * shape.X;
            for (int z = 0; z < shape.Z; z += 4)
            {
                var slab = new Half[classes * 4 * plane];
                for (int k = 0; k < classes; k++)
                {
                    logits.AsSpan((int)((k * shape.Voxels) + ((long)z * plane)), 4 * plane).CopyTo(slab.AsSpan(k * 4 * plane));
                }

                exporter.Accept(z, 4, slab);
            }

            exporter.Complete();
            peaks[i] = exporter.PeakWorkingBytes - exporter.PeakRetainedSliceBytes;
            retained[i] = exporter.PeakRetainedSliceBytes;
            exporter.DetachLabels().Dispose();
        }

        // Everything but the retained input slice is independent of K; the retained part is at most one slice of K classes.
        Assert.True(Math.Abs(peaks[0] - peaks[1]) <= peaks[0] / 10, $"K=3: {peaks[0]} B, K=64: {peaks[1]} B");
        Assert.True(retained[1] <= 64L * shape.Y * shape.X * 2, $"retained {retained[1]} B");
    }

    [Fact]
    public void NonFiniteLogitsAreRejected()
    {
        var shape = new Shape3(2, 3, 4);
        var plan = new ExportPlan(2, null, ExportTestData.SampleProbabilities, [1, 1, 1], [1, 1, 1], shape, shape,
            [(0, 2), (0, 3), (0, 4)], shape, [0, 1, 2]);
        var logits = new Half[2 * shape.Voxels];
        logits[17] = Half.PositiveInfinity;
        var exporter = new SegmentationExporter(plan);
        exporter.Begin(2, shape);
        var error = Assert.Throws<SegEngineException>(() => exporter.Accept(0, 2, logits));
        Assert.Equal(SegErrorCode.Numeric, error.Code);
        exporter.Dispose();
    }

    [Fact]
    public void InvalidPlansNameTheField()
    {
        var shape = new Shape3(2, 3, 4);
        ExportPlan good = new(2, null, ExportTestData.SampleProbabilities, [1, 1, 1], [1, 1, 1], shape, shape,
            [(0, 2), (0, 3), (0, 4)], shape, [0, 1, 2]);
        good.Validate();
        Assert.Contains("bbox_used_for_cropping", Assert.Throws<SegEngineException>(() => (good with { BoundingBox = [(0, 2), (0, 3), (1, 4)] }).Validate()).Message);
        Assert.Contains("transpose_backward", Assert.Throws<SegEngineException>(() => (good with { TransposeBackward = [0, 0, 1] }).Validate()).Message);
        Assert.Contains("regions_class_order", Assert.Throws<SegEngineException>(() => (good with { RegionsClassOrder = [1] }).Validate()).Message);
        Assert.Equal(SegErrorCode.Unsupported, Assert.Throws<SegEngineException>(() => (good with { Resampling = good.Resampling with { Order = 3 } }).Validate()).Code);
        Assert.Contains("NewSpacing", Assert.Throws<SegEngineException>(() => (good with { NewSpacing = [1, 0, 1] }).Validate()).Message);
        var exporter = new SegmentationExporter(good);
        Assert.Throws<SegEngineException>(() => exporter.Begin(3, shape));
        exporter.Dispose();
    }

    private static string Describe(ExportPlan plan) =>
        $"K={plan.HeadCount} regions=[{string.Join(",", plan.RegionsClassOrder ?? [])}] in={plan.PreprocessedShape} crop={plan.ShapeAfterCropping} " +
        $"full={plan.ShapeBeforeCropping} current=[{string.Join(",", plan.CurrentSpacing)}] new=[{string.Join(",", plan.NewSpacing)}] " +
        $"force={plan.Resampling.ForceSeparateZ} tb=[{string.Join(",", plan.TransposeBackward)}]";
}
