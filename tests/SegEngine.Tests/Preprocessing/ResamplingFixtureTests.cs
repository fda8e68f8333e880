using System.Text.Json;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Resampling;

namespace SegEngine.Tests.Preprocessing;

/// <summary>
/// Bit-exact comparison with nnU-Net's resampling as re-run through the real skimage 0.19.3 / SciPy 1.10.1
/// (fixtures from <c>tests/fixtures/preprocessing/resampling/make_fixtures.py</c>).
/// </summary>
public class ResamplingFixtureTests
{
    private static readonly string Folder = Path.Combine(TestPaths.Fixtures, "preprocessing", "resampling");

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
    public void MatchesSkimageBitForBit(string name)
    {
        JsonElement c = Cases.Value.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        string path = Path.Combine(Folder, name + ".npz");
        NpyArray input = Npy.ReadFromNpz(path, "input");
        NpyArray expected = Npy.ReadFromNpz(path, "output");
        double[] current = Doubles(c.GetProperty("current_spacing"));
        double[] target = Doubles(c.GetProperty("new_spacing"));
        bool? force = c.GetProperty("force_separate_z").ValueKind == JsonValueKind.Null ? null : c.GetProperty("force_separate_z").GetBoolean();
        bool isSeg = c.GetProperty("is_seg").GetBoolean();
        var spec = new ResamplingSpec(ResamplingSpec.DefaultFunction, isSeg, c.GetProperty("order").GetInt32(), 0, force);

        var inShape = new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]);
        Shape3 outShape = ResamplingPlan.ComputeNewShape(inShape, current, target);
        Assert.Equal(Shape3.FromArray(c.GetProperty("new_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray()), outShape);
        ResamplingPlan plan = ResamplingPlan.Create(inShape, outShape, current, target, force);
        Assert.Equal(c.GetProperty("separate_z").GetBoolean(), plan.SeparateZ);
        Assert.Equal(c.GetProperty("axis").ValueKind == JsonValueKind.Null ? -1 : c.GetProperty("axis").GetInt32(), plan.LowResolutionAxis);

        int channels = (int)input.Shape[0];
        int inLength = (int)inShape.Voxels;
        int outLength = (int)outShape.Voxels;
        for (int ch = 0; ch < channels; ch++)
        {
            switch (input.Type)
            {
                case NpyType.Float32:
                {
                    var actual = new float[outLength];
                    Resampler.ResampleData(input.As<float>().Slice(ch * inLength, inLength), actual, plan, spec);
                    AssertBits(expected.As<float>().Slice(ch * outLength, outLength), actual, outShape, name);
                    break;
                }

                case NpyType.Int8:
                {
                    var actual = new sbyte[outLength];
                    Resampler.ResampleSegmentation(input.As<sbyte>().Slice(ch * inLength, inLength), actual, plan, spec);
                    Assert.Equal(expected.As<sbyte>().Slice(ch * outLength, outLength).ToArray(), actual);
                    break;
                }

                case NpyType.Int16:
                {
                    var actual = new short[outLength];
                    Resampler.ResampleSegmentation(input.As<short>().Slice(ch * inLength, inLength), actual, plan, spec);
                    Assert.Equal(expected.As<short>().Slice(ch * outLength, outLength).ToArray(), actual);
                    break;
                }

                default:
                    throw new InvalidOperationException($"{path}: unexpected dtype {input.Type}");
            }
        }
    }

    [Fact]
    public void NewShapeRoundsHalfToEven()
    {
        foreach (JsonElement c in Cases.Value.GetProperty("new_shapes").EnumerateArray())
        {
            Shape3 shape = Shape3.FromArray(c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            Shape3 expected = Shape3.FromArray(c.GetProperty("new_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            Assert.Equal(expected, ResamplingPlan.ComputeNewShape(shape, Doubles(c.GetProperty("current_spacing")), Doubles(c.GetProperty("target_spacing"))));
        }
    }

    [Fact]
    public void SeparateZDecisionMatchesNnUnet()
    {
        foreach (JsonElement c in Cases.Value.GetProperty("decisions").EnumerateArray())
        {
            bool? force = c.GetProperty("force_separate_z").ValueKind == JsonValueKind.Null ? null : c.GetProperty("force_separate_z").GetBoolean();
            (bool separate, int axis) = SeparateZRule.Determine(force, Doubles(c.GetProperty("current_spacing")), Doubles(c.GetProperty("new_spacing")));
            Assert.Equal(c.GetProperty("separate_z").GetBoolean(), separate);
            Assert.Equal(c.GetProperty("axis").ValueKind == JsonValueKind.Null ? -1 : c.GetProperty("axis").GetInt32(), axis);
        }
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Shape3 shape, string name)
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
