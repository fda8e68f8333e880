using SegEngine.Model;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Tests.Preprocessing;

public class ResamplingValidationTests
{
    private static readonly ResamplingSpec Cubic = new(ResamplingSpec.DefaultFunction, false, 3, 0, null);
    private static readonly Shape3 Small = new(2, 3, 4);

    [Fact]
    public void TorchResamplingIsRejectedByName()
    {
        var spec = Cubic with { FunctionName = "resample_torch_fornnunet" };
        var error = Assert.Throws<SegEngineException>(() => Resampler.ResampleData(new float[24], Small, new float[8], new Shape3(2, 2, 2), [1, 1, 1], [1, 1.5, 2], spec));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains("resample_torch_fornnunet", error.Message);
    }

    [Fact]
    public void UnsupportedOrderIsReported()
    {
        var error = Assert.Throws<SegEngineException>(() => Resampler.ResampleData(new float[24], Small, new float[8], new Shape3(2, 2, 2), [1, 1, 1], [1, 1.5, 2], Cubic with { Order = 2 }));
        Assert.Contains("order 2", error.Message);
    }

    [Fact]
    public void WrongLengthsNameTheParameter()
    {
        var error = Assert.Throws<ArgumentException>(() => Resampler.ResampleData(new float[23], Small, new float[8], new Shape3(2, 2, 2), [1, 1, 1], [1, 1.5, 2], Cubic));
        Assert.Equal("input", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Resampler.ResampleData(new float[24], Small, new float[9], new Shape3(2, 2, 2), [1, 1, 1], [1, 1.5, 2], Cubic));
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void NaNInTheImageIsReported()
    {
        var input = new float[24];
        input[5] = float.NaN;
        var error = Assert.Throws<SegEngineException>(() => Resampler.ResampleData(input, Small, new float[8], new Shape3(2, 2, 2), [1, 1, 1], [1, 1.5, 2], Cubic));
        Assert.Equal(SegErrorCode.Numeric, error.Code);
    }

    [Fact]
    public void SpacingMustBePositive()
    {
        var error = Assert.Throws<SegEngineException>(() => ResamplingPlan.ComputeNewShape(Small, [1, 0, 1], [1, 1, 1]));
        Assert.Contains("current spacing", error.Message);
        error = Assert.Throws<SegEngineException>(() => ResamplingPlan.ComputeNewShape(Small, [1, 1, 1], [1, 1, 9]));
        Assert.Contains("axis 2", error.Message);
    }

    [Fact]
    public void TwoDTargetKeepsAxisZeroSpacing()
    {
        Assert.Equal([5.0, 0.7, 0.8], ResamplingPlan.TargetSpacing([5.0, 0.5, 0.5], [0.7, 0.8]));
        Assert.Equal([1.0, 0.7, 0.8], ResamplingPlan.TargetSpacing([5.0, 0.5, 0.5], [1.0, 0.7, 0.8]));
    }

    [Fact]
    public void UnchangedShapeIsCopiedWithoutClipOrCast()
    {
        float[] input = [-0.0f, float.MaxValue, 1e-45f, 3, 4, 5, 6, 7];
        var output = new float[8];
        Resampler.ResampleData(input, new Shape3(2, 2, 2), output, new Shape3(2, 2, 2), [1, 1, 1], [1.01, 1, 1], Cubic);
        Assert.Equal(input.Select(BitConverter.SingleToInt32Bits), output.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void WideLabelTypesAreRejected()
    {
        var spec = new ResamplingSpec(ResamplingSpec.DefaultFunction, true, 1, 0, null);
        var error = Assert.Throws<SegEngineException>(() => Resampler.ResampleSegmentation(new int[24], Small, new int[8], new Shape3(2, 2, 2), [1, 1, 1], [1, 1.5, 2], spec));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
    }
}
