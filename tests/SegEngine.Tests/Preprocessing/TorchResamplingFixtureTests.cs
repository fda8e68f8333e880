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
    private static readonly ResamplingFixtureCases Fixtures = new("torch_resampling");

    public static TheoryData<string> CaseNames() => Fixtures.Names();

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesTorchBitForBit(string name)
    {
        ResamplingFixtureCase c = Fixtures.Case(name);
        ResamplingPlan plan = c.Plan;
        Shape3 inShape = plan.InputShape;
        int channels = c.Channels, inLength = c.InputLength, outLength = c.OutputLength;
        Shape3 readerShape = Shape3.FromArray(ResamplingFixtureCases.Ints(c.Json.GetProperty("reader_shape")));
        int[] transpose = ResamplingFixtureCases.Ints(c.Json.GetProperty("transpose"));
        switch (c.Json.GetProperty("kind").GetString())
        {
            case "data":
            {
                TorchLayout layout = TorchLayout.OfPreprocessingView(channels, readerShape, transpose, inShape, plan.LowResolutionAxis);
                for (int ch = 0; ch < channels; ch++)
                {
                    var actual = new float[outLength];
                    TorchResampler.ResampleData(c.Input.As<float>().Slice(ch * inLength, inLength), actual, plan, layout);
                    c.AssertChannelBits(ch, actual);
                }

                break;
            }

            case "logits":
            {
                TorchLayout layout = TorchLayout.OfContiguous(channels, inShape, plan.LowResolutionAxis);
                for (int ch = 0; ch < channels; ch++)
                {
                    float[] channel = [.. c.Input.As<Half>().Slice(ch * inLength, inLength).ToArray().Select(h => (float)h)];
                    var actual = new float[outLength];
                    TorchResampler.ResampleData(channel, actual, plan, layout);
                    c.AssertChannelBits(ch, actual);
                }

                break;
            }

            default:
            {
                TorchLayout masks = TorchLayout.OfMasks(inShape, TorchLayout.TransposedStrides(readerShape, transpose), plan.LowResolutionAxis);
                var actual = new short[outLength];
                TorchResampler.ResampleSegmentation(c.Input.As<short>(), actual, plan, c.Json.GetProperty("memefficient_seg_resampling").GetBoolean(), masks);
                short[] reference = c.Expected.Type == NpyType.Int8
                    ? [.. c.Expected.As<sbyte>().ToArray().Select(v => (short)v)]
                    : c.Expected.As<short>().ToArray();
                Assert.Equal(reference, actual);
                break;
            }
        }
    }
}
