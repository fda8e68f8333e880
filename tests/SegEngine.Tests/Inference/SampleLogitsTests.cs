using System.Diagnostics;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using Xunit.Abstractions;

namespace SegEngine.Tests.Inference;

/// <summary>
/// Our sliding window with ORT on nnU-Net's own preprocessed sample cases against nnU-Net's aggregated fp16 logits
/// (tests/fixtures/sample/intermediate). TTA runs on the smallest case; no-TTA on every case.
/// </summary>
public class SampleLogitsTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Runs =>
    [
        ["3d_fullres", "case_003", true],
        ["2d", "case_003", true],
        ["3d_fullres", "case_000", false],
        ["3d_fullres", "case_001", false],
        ["3d_fullres", "case_003", false],
        ["2d", "case_000", false],
        ["2d", "case_001", false],
        ["2d", "case_003", false],
    ];

    [Theory]
    [MemberData(nameof(Runs))]
    public void MatchesNnUnetLogits(string configuration, string caseId, bool tta)
    {
        SampleComparison result = SampleComparison.Run(configuration, caseId, tta, batchSize: 1);
        output.WriteLine(result.ToString());

        Assert.True(result.WorstSteps <= Tolerances.MaxSteps, result.ToString());
        Assert.True(result.IdenticalFraction >= Tolerances.MinIdenticalFraction, result.ToString());
    }

    [Fact]
    public void BatchedTilesEqualSingleTiles()
    {
        SampleComparison single = SampleComparison.Run("2d", "case_003", tta: true, batchSize: 1);
        SampleComparison batched = SampleComparison.Run("2d", "case_003", tta: true, batchSize: 2, batchMirrors: true);

        Assert.Equal(single.Logits.Length, batched.Logits.Length);
        int different = 0;
        for (int i = 0; i < single.Logits.Length; i++)
        {
            different += BitConverter.HalfToUInt16Bits(single.Logits[i]) == BitConverter.HalfToUInt16Bits(batched.Logits[i]) ? 0 : 1;
        }

        Assert.Equal(0, different);
    }
}

/// <summary>One sample run and its comparison with nnU-Net's logits.</summary>
internal sealed record SampleComparison(
    string Configuration, string CaseId, bool Tta, Half[] Logits, double MaxAbsDiff, double WorstSteps, double IdenticalFraction, TimeSpan Wall, TimeSpan InRun)
{
    /// <param name="onnx">The model to run; default: the sample model's fold 0.</param>
    /// <param name="graphRewrite">The CPU's depth-slice rewrite of 3-D convolutions (off by default, as for users).</param>
    public static SampleComparison Run(string configuration, string caseId, bool tta, int batchSize, bool batchMirrors = false, string? onnx = null, bool graphRewrite = false)
    {
        string folder = TestPaths.SampleIntermediate(configuration, caseId);
        NpyArray input = Npy.Read(Path.Combine(folder, "preprocessed.npy"));
        NpyArray reference = Npy.Read(Path.Combine(folder, tta ? "logits_tta.npy" : "logits_notta.npy"));
        var shape = new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]);

        var options = new InferenceOptions
        {
            Device = InferenceDevice.Cpu,
            UseMirroring = tta,
            BatchSize = batchSize,
            BatchMirrors = batchMirrors,
            GraphRewrite = graphRewrite,
        };
        ModelFolder sample = ModelFolder.Load(TestPaths.SampleModel(configuration));
        OnnxSignature signature = onnx is null ? sample.Folds[0].Onnx! : OnnxSignature.Read(onnx, sample.Network);
        using OrtTileNetwork model = OrtTileNetwork.Open(signature, options);
        using VolumeBuffer<float> image = VolumeBuffer<float>.Allocate((int)input.Shape[0], shape);
        input.As<float>().CopyTo(image.Span);
        using var sink = new LogitVolumeSink();

        var clock = Stopwatch.StartNew();
        new SlidingWindowPredictor(options, sample.Network.MirroringAxes).Predict(image, [model], sink, CancellationToken.None);
        clock.Stop();
        using VolumeBuffer<Half> logits = sink.TakeVolume();

        ReadOnlySpan<Half> expected = reference.As<Half>();
        ReadOnlySpan<Half> actual = logits.Span;
        float[] weights = Weights(shape, model.PatchSize, options.StepSize);
        double logitScale = 0;
        foreach (Half h in expected)
        {
            logitScale = Math.Max(logitScale, Math.Abs((double)h));
        }

        double maxAbs = 0;
        double worstSteps = 0;
        long identical = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.HalfToUInt16Bits(expected[i]) == BitConverter.HalfToUInt16Bits(actual[i]))
            {
                identical++;
                continue;
            }

            double diff = Math.Abs((double)expected[i] - (double)actual[i]);
            maxAbs = Math.Max(maxAbs, diff);
            worstSteps = Math.Max(worstSteps, diff / Step(logitScale, weights[i % weights.Length]));
        }

        return new SampleComparison(
            configuration, caseId, tta, actual.ToArray(), maxAbs, worstSteps, (double)identical / expected.Length, clock.Elapsed, model.RunTime);
    }

    public override string ToString() =>
        $"{Configuration} {CaseId} {(Tta ? "tta" : "notta")}: max |diff| {MaxAbsDiff:G3}, worst {WorstSteps:F2} steps, "
        + $"bit-identical {IdenticalFraction:P3}, wall {Wall.TotalSeconds:F2} s, in Run {InRun.TotalSeconds:F2} s "
        + $"(outside Run {(1 - (InRun / Wall)):P1})";

    /// <summary>
    /// The resolution of an aggregated logit at a voxel: the fp16 ulp at the case's largest |logit| (the accumulator
    /// holds about logit·weight, so one rounding of it moves the quotient by about that ulp) plus the accumulator's
    /// subnormal quantum 2^-24 over the voxel's fp16 weight. Where the Gaussian weight is only a few subnormal steps
    /// (corners reached only by the map's tails) the second term dominates: the accumulated logit is then a handful of
    /// subnormal steps and any network difference moves the quotient by whole fractions such as 14/3 → 13/3.
    /// </summary>
    private static double Step(double logitScale, float weight)
    {
        int exponent = Math.Max((int)Math.Floor(Math.Log2(logitScale)), -14);
        return Math.Pow(2, exponent - 10) + (Math.Pow(2, -24) / weight);
    }

    /// <summary>nnU-Net's fp16 weight sum per unpadded voxel (one z-y-x volume), from the grid and the Gaussian.</summary>
    private static float[] Weights(Shape3 shape, IReadOnlyList<int> patchSize, double step)
    {
        var grid = SlidingWindowGrid.Create(shape, patchSize, step);
        Half[] g = GaussianMap.Compute(patchSize);
        Shape3 p = grid.Patch;
        Shape3 padded = grid.Padded;
        var sums = new Half[padded.Voxels];
        foreach (int z0 in grid.Offsets[0])
        {
            foreach (int y0 in grid.Offsets[1])
            {
                foreach (int x0 in grid.Offsets[2])
                {
                    for (int z = 0; z < p.Z; z++)
                    {
                        for (int y = 0; y < p.Y; y++)
                        {
                            for (int x = 0; x < p.X; x++)
                            {
                                long v = ((((long)z0 + z) * padded.Y) + y0 + y) * padded.X + x0 + x;
                                sums[v] = (Half)((float)sums[v] + (float)g[((z * p.Y) + y) * p.X + x]);
                            }
                        }
                    }
                }
            }
        }

        var weights = new float[shape.Voxels];
        Shape3 pad = grid.PadBelow;
        for (int z = 0; z < shape.Z; z++)
        {
            for (int y = 0; y < shape.Y; y++)
            {
                for (int x = 0; x < shape.X; x++)
                {
                    weights[((z * shape.Y) + y) * shape.X + x] = (float)sums[((((long)z + pad.Z) * padded.Y) + y + pad.Y) * padded.X + x + pad.X];
                }
            }
        }

        return weights;
    }
}
