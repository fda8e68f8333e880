using SegEngine.Io;
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

    [Fact]
    public void RoundTripsSitkStuffBitForBit()
    {
        // ITK directions hold -0 where a LPS sign flip met a zero; the writer's header depends on that sign.
        var sitk = new SitkStuff([0.800000011920929, 0.75, 1.25], [-56.900001525878906, -0.0, 12.5], [-1.0, -0.0, 0.0, -0.0, -1.0, 0.0, 0.0, 0.0, 1.0]);
        var properties = new PreprocessingProperties(
            new Shape3(3, 4, 5), new BoundingBox(0, 3, 0, 4, 0, 5), new Shape3(3, 4, 5), [1.25, 0.75, 0.800000011920929], null, null, sitk);

        string json = properties.WriteJson();
        PreprocessingProperties back = PreprocessingProperties.ReadJson(json, "memory");

        Assert.Contains("\"sitk_stuff\"", json, StringComparison.Ordinal);
        Assert.NotNull(back.SitkStuff);
        Assert.Equal(Bits(sitk.Spacing), Bits(back.SitkStuff.Spacing));
        Assert.Equal(Bits(sitk.Origin), Bits(back.SitkStuff.Origin));
        Assert.Equal(Bits(sitk.Direction), Bits(back.SitkStuff.Direction));
        Assert.Null(back.OriginalAffine);
    }

    [Fact]
    public void ReadsSitkStuffAsNnUNetWritesIt()
    {
        const string json = """
            {"sitk_stuff": {"spacing": [0.8, 0.8], "origin": [-0.0, 3.5], "direction": [1.0, 0.0, 0.0, 1.0]},
             "spacing": [799.2, 0.8, 0.8], "shape_before_cropping": [1, 4, 5], "bbox_used_for_cropping": [[0, 1], [0, 4], [0, 5]],
             "shape_after_cropping_and_before_resampling": [1, 4, 5]}
            """;

        SitkStuff sitk = PreprocessingProperties.ReadJson(json, "case.json").SitkStuff!;

        Assert.Equal(2, sitk.Dimension);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(sitk.Origin[0]));
        Assert.Equal([1.0, 0.0, 0.0, 1.0], sitk.Direction);
    }

    [Theory]
    [InlineData("""{"spacing": [1, 1, 1], "direction": [1, 0, 0, 0, 1, 0, 0, 0, 1]}""", "'sitk_stuff.origin' is missing")]
    [InlineData("""{"spacing": [1, 1, 1], "origin": [0, 0, 0], "direction": [1, 0, 0, 1]}""", "direction has 4 entries")]
    [InlineData("""{"spacing": [1, 1, 1], "origin": [0, 0], "direction": [1, 0, 0, 0, 1, 0, 0, 0, 1]}""", "origin has 2 entries")]
    [InlineData("""{"spacing": [1], "origin": [0], "direction": [1]}""", "2, 3 or 4 dimensions")]
    [InlineData("""[1, 2, 3]""", "'sitk_stuff' must be an object")]
    public void BadSitkStuffIsReportedWithSourceAndField(string sitk, string expected)
    {
        string json = $$"""
            {"sitk_stuff": {{sitk}}, "spacing": [1, 1, 1], "shape_before_cropping": [3, 4, 5],
             "bbox_used_for_cropping": [[0, 3], [0, 4], [0, 5]], "shape_after_cropping_and_before_resampling": [3, 4, 5]}
            """;

        var error = Assert.Throws<SegEngineException>(() => PreprocessingProperties.ReadJson(json, "case.json"));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.StartsWith("case.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
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

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
