using System.Text.Json;
using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Export;

/// <summary>The fused export of models whose plans resample probabilities with <c>resample_torch_fornnunet</c>.</summary>
public class TorchExportTests
{
    [Fact]
    public void FusedExportEqualsNaiveOnRandomProblems()
    {
        for (int seed = 0; seed < 400; seed++)
        {
            var random = new Random(seed);
            (ExportPlan scipyPlan, Half[] logits) = ExportTestData.Random(random);
            ExportPlan plan = scipyPlan with { Resampling = Torch(scipyPlan.Resampling.ForceSeparateZ) };
            int[] expected = NaiveTorchExport.Labels(logits, plan);
            int[] actual = ExportTestData.Fused(plan, logits, new Random(seed + 1_000_000));
            int mismatch = -1;
            for (int i = 0; i < expected.Length && mismatch < 0; i++)
            {
                mismatch = expected[i] != actual[i] ? i : -1;
            }

            Assert.True(mismatch < 0, $"seed {seed}: voxel {mismatch} is {(mismatch < 0 ? 0 : actual[mismatch])}, naive {(mismatch < 0 ? 0 : expected[mismatch])}; {plan.PreprocessedShape} -> {plan.ShapeAfterCropping}");
        }
    }

    /// <summary>The argmax (or threshold) of torch's own resampled logits, from the resampling fixtures.</summary>
    [Theory]
    [InlineData("logits_up_k3")]
    [InlineData("logits_sepz_k3")]
    [InlineData("logits_down_k1")]
    public void FusedExportDecidesOnTorchsValues(string name)
    {
        string folder = Path.Combine(TestPaths.Fixtures, "preprocessing", "torch_resampling");
        JsonElement c = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "cases.json"))).RootElement
            .GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        NpyArray input = Npy.ReadFromNpz(Path.Combine(folder, name + ".npz"), "input");
        NpyArray output = Npy.ReadFromNpz(Path.Combine(folder, name + ".npz"), "output");
        int classes = (int)input.Shape[0];
        var inShape = new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]);
        var outShape = new Shape3((int)output.Shape[1], (int)output.Shape[2], (int)output.Shape[3]);
        bool? force = c.GetProperty("force_separate_z").ValueKind == JsonValueKind.Null ? null : c.GetProperty("force_separate_z").GetBoolean();
        int[]? regions = classes == 1 ? [1] : null;
        var plan = new ExportPlan(
            classes, regions, Torch(force), Doubles(c.GetProperty("current_spacing")), Doubles(c.GetProperty("new_spacing")),
            inShape, outShape, [(0, outShape.Z), (0, outShape.Y), (0, outShape.X)], outShape, [0, 1, 2]);

        int[] actual = ExportTestData.Fused(plan, input.As<Half>().ToArray(), new Random(17));

        ReadOnlySpan<float> values = output.As<float>();
        long voxels = outShape.Voxels;
        for (long v = 0; v < voxels; v++)
        {
            int expected = 0;
            for (int k = 0; k < classes; k++)
            {
                float value = values[(int)((k * voxels) + v)];
                if (regions is not null ? value > RegionHead.Float32OnThreshold : value > values[(int)((expected * voxels) + v)])
                {
                    expected = regions is not null ? regions[k] : k;
                }
            }

            Assert.True(expected == actual[v], $"{name}: voxel {v} is {actual[v]}, torch's values give {expected}");
        }
    }

    private static ResamplingSpec Torch(bool? force) => new(ResamplingSpec.TorchFunction, false, 1, 0, force);

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];
}
