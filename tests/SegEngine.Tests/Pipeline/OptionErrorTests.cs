using SegEngine.Inference;
using SegEngine.Pipeline;

namespace SegEngine.Tests.Pipeline;

public class OptionErrorTests
{
    [Fact]
    public void ValidOptionsHaveNoError()
    {
        Assert.Null(OptionError.Find(new InferenceOptions()));
    }

    [Fact]
    public void AnOptionOutOfRangeIsNamedWithItsValueAndAReasonWithoutDotNetsSuffix()
    {
        OptionError? error = OptionError.Find(new InferenceOptions { StepSize = 1.5 });

        Assert.NotNull(error);
        Assert.Equal(nameof(InferenceOptions.StepSize), error.Name);
        Assert.Equal(1.5, error.Value);
        Assert.StartsWith("must be in (0, 1]", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Parameter", error.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value", error.Reason, StringComparison.Ordinal);
    }
}
