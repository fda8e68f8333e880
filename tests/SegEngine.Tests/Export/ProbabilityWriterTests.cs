using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Resampling;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Export;

public sealed class ProbabilityWriterTests
{
    /// <summary>
    /// torch's CPU softmax uses SLEEF's expf (not correctly rounded); .NET's MathF.Exp differs from it in the last bit for
    /// some inputs, and the division carries that ulp on. Measured on case_003: 121,616 of 129,600 values bit-identical,
    /// max |diff| 5.96e-8 (one ulp at 0.5).
    /// </summary>
    private const float ProbabilityTolerance = 1e-6f;

    [Fact]
    public void Case003MatchesNnUNetsNpz()
    {
        // case_003: no resampling and no crop (properties.json), so the npz is softmax of the fp16 logits themselves.
        (ExportPlan plan, VolumeBuffer<Half> logits) = ExportTestData.Sample("3d_fullres", "case_003", "logits_tta.npy");
        using (logits)
        {
            string folder = TestPaths.NewTempFolder();
            string path = Path.Combine(folder, "case_003.npz");
            ProbabilityWriter.Write(path, logits, plan, "{\"spacing\": [1.0, 1.0, 1.0]}", Path.ChangeExtension(path, ".json"));
            NpyArray actual = Npy.ReadFromNpz(path, "probabilities");
            NpyArray expected = Npy.ReadFromNpz(Path.Combine(TestPaths.Sample, "reference", "3d_fullres_tta", "case_003.npz"), "probabilities");
            Assert.Equal(expected.Shape, actual.Shape);
            float[] a = actual.As<float>().ToArray();
            float[] e = expected.As<float>().ToArray();
            int identical = a.Zip(e).Count(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
            float worst = a.Zip(e).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst <= ProbabilityTolerance, $"max |diff| {worst}, bit-identical {identical} of {a.Length}");
            Assert.True(File.Exists(Path.Combine(folder, "case_003.json")));
            Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void OutsideTheBoxAndTransposeFollowNnUNet()
    {
        var random = new Random(3);
        var input = new Shape3(3, 4, 5);
        var crop = new Shape3(4, 3, 6);
        foreach (bool regions in new[] { false, true })
        {
            var plan = new ExportPlan(3, regions ? [1, 2, 3] : null, ExportTestData.SampleProbabilities, [1, 1, 1], [1, 1, 1], input, crop,
                [(1, 5), (0, 3), (2, 8)], new Shape3(6, 4, 9), [2, 0, 1]);
            Half[] values = ExportTestData.RandomLogits(random, 3, input, regions);
            using var logits = VolumeBuffer<Half>.Allocate(3, input);
            values.CopyTo(logits.Span);
            string folder = TestPaths.NewTempFolder();
            string path = Path.Combine(folder, "p.npz");
            ProbabilityWriter.Write(path, logits, plan, "{}", Path.ChangeExtension(path, ".json"));
            float[] p = Npy.ReadFromNpz(path, "probabilities").As<float>().ToArray();
            Directory.Delete(folder, recursive: true);

            // Reference per class: naive resample, softmax/sigmoid in float32, uncrop with nnU-Net's fill, transpose.
            Half[] resampled = NaiveExport.Resample(values, plan);
            long voxels = crop.Voxels;
            long full = plan.OriginalShape.Voxels;
            for (int k = 0; k < 3; k++)
            {
                var inCrop = new float[voxels];
                for (long v = 0; v < voxels; v++)
                {
                    float x = (float)resampled[(k * voxels) + v];
                    if (regions)
                    {
                        inCrop[v] = 1f / (1f + MathF.Exp(-x));
                        continue;
                    }

                    float m = Enumerable.Range(0, 3).Max(c => (float)resampled[(c * voxels) + v]);
                    float s = 0f;
                    for (int c = 0; c < 3; c++)
                    {
                        s += MathF.Exp((float)resampled[(c * voxels) + v] - m);
                    }

                    inCrop[v] = MathF.Exp(x - m) / s;
                }

                int[] placed = NaiveExport.UncropAndTranspose(inCrop.Select(BitConverter.SingleToInt32Bits).ToArray(), plan);
                int[] mask = NaiveExport.UncropAndTranspose(Enumerable.Repeat(1, (int)voxels).ToArray(), plan);
                float outside = !regions && k == 0 ? 1f : 0f;
                for (long v = 0; v < full; v++)
                {
                    float expected = mask[v] == 1 ? BitConverter.Int32BitsToSingle(placed[v]) : outside;
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(p[(k * full) + v]));
                }
            }
        }
    }

    [Fact]
    public void ResampledValuesEqualTheNaiveTwinBitForBit()
    {
        for (int seed = 0; seed < 150; seed++)
        {
            (ExportPlan plan, Half[] logits) = ExportTestData.Random(new Random(seed));
            Half[] expected = NaiveExport.Resample(logits, plan);
            var grid = plan.CreateResamplingGrid();
            Shape3 crop = plan.ShapeAfterCropping;
            Shape3 input = plan.PreprocessedShape;
            double[] scratch = new double[(4 * input.X) + crop.X];
            float[] row = new float[crop.X];
            TapLanes lanes = ProbabilityWriter.AllOfRow(grid);
            for (int k = 0; k < plan.HeadCount; k++)
            {
                ReadOnlySpan<Half> channel = logits.AsSpan((int)(k * input.Voxels), (int)input.Voxels);
                for (int r = 0; r < crop.Z * crop.Y; r++)
                {
                    ProbabilityWriter.ResampledRow(channel, grid, lanes, r / crop.Y, r % crop.Y, row, scratch);
                    for (int ox = 0; ox < crop.X; ox++)
                    {
                        Half actual = (Half)row[ox];
                        Half reference = expected[(k * crop.Voxels) + (r * crop.X) + ox];
                        Assert.True(actual == reference, $"seed {seed} class {k} row {r} x {ox}: {actual} vs naive {reference}");
                    }
                }
            }
        }
    }
}
