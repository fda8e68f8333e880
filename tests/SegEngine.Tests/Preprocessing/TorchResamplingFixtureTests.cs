using System.Text.Json;
using SegEngine.Io;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Resampling;

namespace SegEngine.Tests.Preprocessing;

/// <summary>
/// Bit-exact comparison with nnU-Net's <c>resample_torch_fornnunet</c> run on Debian's torch 1.13 CPU, on arrays laid out
/// as nnU-Net lays them out (fixtures from <c>tests/fixtures/preprocessing/torch_resampling/make_fixtures.py</c>).
/// </summary>
public class TorchResamplingFixtureTests
{
    private static readonly string Folder = Path.Combine(TestPaths.Fixtures, "preprocessing", "torch_resampling");

    private static readonly Lazy<JsonElement> Cases = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json"))).RootElement);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Cases.Value.GetProperty("cases").EnumerateArray())
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesTorchBitForBit(string name)
    {
        JsonElement c = Cases.Value.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        string path = Path.Combine(Folder, name + ".npz");
        NpyArray input = Npy.ReadFromNpz(path, "input");
        NpyArray expected = Npy.ReadFromNpz(path, "output");
        double[] current = Doubles(c.GetProperty("current_spacing"));
        double[] target = Doubles(c.GetProperty("new_spacing"));
        bool? force = c.GetProperty("force_separate_z").ValueKind == JsonValueKind.Null ? null : c.GetProperty("force_separate_z").GetBoolean();

        var inShape = new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]);
        Shape3 outShape = ResamplingPlan.ComputeNewShape(inShape, current, target);
        Assert.Equal(Shape3.FromArray(Ints(c.GetProperty("new_shape"))), outShape);
        ResamplingPlan plan = ResamplingPlan.Create(inShape, outShape, current, target, force);
        Assert.Equal(c.GetProperty("separate_z").GetBoolean(), plan.SeparateZ);

        int channels = (int)input.Shape[0];
        int inLength = (int)inShape.Voxels;
        int outLength = (int)outShape.Voxels;
        Shape3 readerShape = Shape3.FromArray(Ints(c.GetProperty("reader_shape")));
        int[] transpose = Ints(c.GetProperty("transpose"));
        switch (c.GetProperty("kind").GetString())
        {
            case "data":
            {
                TorchLayout layout = TorchLayout.OfPreprocessingView(channels, readerShape, transpose, inShape, plan.LowResolutionAxis);
                for (int ch = 0; ch < channels; ch++)
                {
                    var actual = new float[outLength];
                    TorchResampler.ResampleData(input.As<float>().Slice(ch * inLength, inLength), actual, plan, layout);
                    AssertBits(expected.As<float>().Slice(ch * outLength, outLength), actual, outShape, name);
                }

                break;
            }

            case "logits":
            {
                TorchLayout layout = TorchLayout.OfContiguous(channels, inShape, plan.LowResolutionAxis);
                for (int ch = 0; ch < channels; ch++)
                {
                    float[] channel = [.. input.As<Half>().Slice(ch * inLength, inLength).ToArray().Select(h => (float)h)];
                    var actual = new float[outLength];
                    TorchResampler.ResampleData(channel, actual, plan, layout);
                    AssertBits(expected.As<float>().Slice(ch * outLength, outLength), actual, outShape, name);
                }

                break;
            }

            default:
            {
                TorchLayout masks = TorchLayout.OfMasks(inShape, TorchLayout.TransposedStrides(readerShape, transpose), plan.LowResolutionAxis);
                var actual = new short[outLength];
                TorchResampler.ResampleSegmentation(input.As<short>(), actual, plan, c.GetProperty("memefficient_seg_resampling").GetBoolean(), masks);
                short[] reference = expected.Type == NpyType.Int8
                    ? [.. expected.As<sbyte>().ToArray().Select(v => (short)v)]
                    : expected.As<short>().ToArray();
                Assert.Equal(reference, actual);
                break;
            }
        }
    }

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    internal static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Shape3 shape, string name)
    {
        int mismatches = 0;
        int first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }

        Assert.True(
            mismatches == 0,
            $"{name}: {mismatches} of {expected.Length} voxels differ in {shape}; first at {first}: expected {(first >= 0 ? expected[first] : 0):R}, got {(first >= 0 ? actual[first] : 0):R}");
    }
}
