using SegEngine.Preprocessing;

namespace SegEngine.Tests.Preprocessing;

public class PreprocessingPropertiesTests
{
    [Theory]
    [InlineData("3d_fullres")]
    [InlineData("2d")]
    public void ReadsNnUnetPropertiesOfTheSample(string configuration)
    {
        string path = Path.Combine(TestPaths.SampleIntermediate(configuration, "case_000"), "properties.json");

        PreprocessingProperties properties = PreprocessingProperties.ReadJsonFile(path);

        Assert.Equal(new Shape3(71, 89, 97), properties.ShapeBeforeCropping);
        Assert.Equal(new BoundingBox(0, 71, 0, 89, 0, 97), properties.BboxUsedForCropping);
        Assert.Equal(new Shape3(71, 89, 97), properties.ShapeAfterCroppingAndBeforeResampling);
        Assert.Equal([1.0, 1.0, 1.0], properties.Spacing);
        Assert.Null(properties.TargetSpacing);
        Assert.Equal([-1.0, 0, 0, 60.5, 0, -1.0, 0, 13.75, 0, 0, 1.0, 65.0, 0, 0, 0, 1.0], properties.OriginalAffine);
    }

    [Fact]
    public void RoundTripsThroughJson()
    {
        var properties = new PreprocessingProperties(
            new Shape3(10, 20, 30), new BoundingBox(1, 9, 2, 20, 0, 29), new Shape3(8, 18, 29),
            [0.7, 0.8, 2.5], [1.0, 0.75, 0.75], null);

        PreprocessingProperties back = PreprocessingProperties.ReadJson(properties.WriteJson(), "memory");

        Assert.Equal(properties.ShapeBeforeCropping, back.ShapeBeforeCropping);
        Assert.Equal(properties.BboxUsedForCropping, back.BboxUsedForCropping);
        Assert.Equal(properties.ShapeAfterCroppingAndBeforeResampling, back.ShapeAfterCroppingAndBeforeResampling);
        Assert.Equal(properties.Spacing, back.Spacing);
        Assert.Equal(properties.TargetSpacing, back.TargetSpacing);
        Assert.Null(back.OriginalAffine);
        Assert.Equal([2.5, 0.8, 0.7], back.TransposedSpacing([2, 1, 0]));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("""{"spacing":[1,1,1],"shape_after_cropping_and_before_resampling":[1,1,1],"bbox_used_for_cropping":[[0,1],[0,1],[0,1]]}""", "shape_before_cropping")]
    [InlineData("""{"spacing":[1,1],"shape_before_cropping":[1,1,1],"shape_after_cropping_and_before_resampling":[1,1,1],"bbox_used_for_cropping":[[0,1],[0,1],[0,1]]}""", "'spacing'")]
    [InlineData("""{"spacing":[1,1,1],"shape_before_cropping":[2,2,2],"shape_after_cropping_and_before_resampling":[1,1,1],"bbox_used_for_cropping":[[0,1],[0,1],[0,3]]}""", "bbox_used_for_cropping")]
    [InlineData("""{"spacing":[1,1,1],"shape_before_cropping":[2,-2,2],"shape_after_cropping_and_before_resampling":[1,1,1],"bbox_used_for_cropping":[[0,1],[0,1],[0,1]]}""", "shape_before_cropping")]
    public void BadJsonIsReportedWithSourceAndField(string json, string expected)
    {
        var error = Assert.Throws<SegEngineException>(() => PreprocessingProperties.ReadJson(json, "case.json"));
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains("case.json", error.Message);
        Assert.Contains(expected, error.Message);
    }
}
