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
    private static readonly ResamplingFixtureCases Fixtures = new("resampling");

    public static TheoryData<string> CaseNames() => Fixtures.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesSkimageBitForBit(string name)
    {
        ResamplingFixtureCase c = Fixtures.Case(name);
        var spec = new ResamplingSpec(ResamplingSpec.DefaultFunction, c.Json.GetProperty("is_seg").GetBoolean(), c.Json.GetProperty("order").GetInt32(), 0, c.ForceSeparateZ);
        int inLength = c.InputLength, outLength = c.OutputLength;
        for (int ch = 0; ch < c.Channels; ch++)
        {
            switch (c.Input.Type)
            {
                case NpyType.Float32:
                {
                    var actual = new float[outLength];
                    Resampler.ResampleData(c.Input.As<float>().Slice(ch * inLength, inLength), actual, c.Plan, spec);
                    c.AssertChannelBits(ch, actual);
                    break;
                }

                case NpyType.Int8:
                {
                    var actual = new sbyte[outLength];
                    Resampler.ResampleSegmentation(c.Input.As<sbyte>().Slice(ch * inLength, inLength), actual, c.Plan, spec);
                    Assert.Equal(c.Expected.As<sbyte>().Slice(ch * outLength, outLength).ToArray(), actual);
                    break;
                }

                case NpyType.Int16:
                {
                    var actual = new short[outLength];
                    Resampler.ResampleSegmentation(c.Input.As<short>().Slice(ch * inLength, inLength), actual, c.Plan, spec);
                    Assert.Equal(c.Expected.As<short>().Slice(ch * outLength, outLength).ToArray(), actual);
                    break;
                }

                default:
                    throw new InvalidOperationException($"{c.Path}: unexpected dtype {c.Input.Type}");
            }
        }
    }

    [Fact]
    public void NewShapeRoundsHalfToEven()
    {
        foreach (JsonElement c in Fixtures.Root.GetProperty("new_shapes").EnumerateArray())
        {
            Shape3 shape = Shape3.FromArray(ResamplingFixtureCases.Ints(c.GetProperty("shape")));
            Shape3 expected = Shape3.FromArray(ResamplingFixtureCases.Ints(c.GetProperty("new_shape")));
            Assert.Equal(expected, ResamplingPlan.ComputeNewShape(shape, ResamplingFixtureCases.Doubles(c.GetProperty("current_spacing")), ResamplingFixtureCases.Doubles(c.GetProperty("target_spacing"))));
        }
    }

    [Fact]
    public void SeparateZDecisionMatchesNnUnet()
    {
        foreach (JsonElement c in Fixtures.Root.GetProperty("decisions").EnumerateArray())
        {
            (bool separate, int axis) = SeparateZRule.Determine(ResamplingFixtureCases.ForceSeparateZ(c), ResamplingFixtureCases.Doubles(c.GetProperty("current_spacing")), ResamplingFixtureCases.Doubles(c.GetProperty("new_spacing")));
            Assert.Equal(c.GetProperty("separate_z").GetBoolean(), separate);
            Assert.Equal(ResamplingFixtureCases.SeparateZAxis(c), axis);
        }
    }
}
