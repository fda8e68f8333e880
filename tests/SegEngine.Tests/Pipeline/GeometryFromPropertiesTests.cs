using System.Text.Json;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Preprocessing;
using SegEngine.Tests.Io;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Pipeline;

/// <summary>
/// The geometry kept in a case's properties (<c>nibabel_stuff</c>, <c>sitk_stuff</c>) writes the same segmentation header
/// as the geometry read from the image itself, so the export needs no input image.
/// </summary>
public class GeometryFromPropertiesTests
{
    public static TheoryData<string, string> ReadersAndCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string reader in new[] { NibabelIO.ReaderName, SimpleItkIO.ReaderName })
        {
            foreach (string caseId in SampleRuns.CaseIds)
            {
                data.Add(reader, caseId);
            }
        }

        return data;
    }

    /// <summary>Points a copied model folder's plans at another reader (dataset.json's planning-time override stays and must not matter).</summary>
    internal static void UseReader(string modelFolder, string readerName) =>
        ModelFixtures.EditJson(Path.Combine(modelFolder, "plans.json"), plans => plans["image_reader_writer"] = readerName);

    [Theory]
    [MemberData(nameof(ReadersAndCases))]
    public void PreprocessedPropertiesWriteTheSameSegmentationAsTheImage(string readerName, string caseId)
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        UseReader(model, readerName);
        var folder = ModelFolder.Load(model);
        var reader = new CaseReader(folder);
        Assert.Equal(readerName, reader.ReaderWriter.Name);
        string input = TestPaths.SampleCase(caseId);
        using ImageVolume image = reader.ReadImage([input]);
        using PreprocessedCase preprocessed = reader.Preprocess([input]);
        string propertiesPath = Path.Combine(TestPaths.NewTempFolder(), caseId + ".json");
        File.WriteAllText(propertiesPath, preprocessed.Properties.WriteJson());

        ImageGeometry rebuilt = PreprocessingProperties.ReadJsonFile(propertiesPath).Geometry(readerName, folder.Plans.TransposeBackward, propertiesPath);

        Assert.Equal(image.Geometry.OriginalShape, rebuilt.OriginalShape);
        AssertSameWrite(reader.ReaderWriter, image.Geometry, rebuilt);
    }

    [Theory]
    [InlineData("case_000")]
    [InlineData("case_001")]
    [InlineData("case_003")]
    public void NnUNetsOriginalAffineIsTheAffineNibabelIOReads(string caseId)
    {
        using ImageVolume image = new NibabelIO().Read([TestPaths.SampleCase(caseId)]);
        foreach (string configuration in SampleRuns.Configurations)
        {
            string path = Path.Combine(TestPaths.SampleIntermediate(configuration, caseId), "properties.json");
            PreprocessingProperties properties = PreprocessingProperties.ReadJsonFile(path);

            Assert.Equal(Bits(image.Geometry.Affine!), Bits(properties.OriginalAffine!));
        }
    }

    [Theory]
    [MemberData(nameof(NiftiFixtures.ItkNames), MemberType = typeof(NiftiFixtures))]
    public void SitkStuffOfEveryItkFixtureRoundTripsToTheSameHeader(string name)
    {
        JsonElement expected = NiftiFixtures.Itk.GetProperty(name);
        if (expected.TryGetProperty("error", out _) || expected.GetProperty("dimension").GetInt32() > 3)
        {
            return;
        }

        var io = new SimpleItkIO();
        using ImageVolume image = io.Read([NiftiFixtures.Input(name)]);

        ImageGeometry rebuilt = RoundTrip(image, SimpleItkIO.ReaderName);

        Assert.Equal(image.Geometry.Is2D, rebuilt.Is2D);
        Assert.Equal(Bits(image.Geometry.ItkDirection!), Bits(rebuilt.ItkDirection!));
        AssertSameWrite(io, image.Geometry, rebuilt);
    }

    [Theory]
    [MemberData(nameof(NiftiFixtures.NibabelNames), MemberType = typeof(NiftiFixtures))]
    public void OriginalAffineOfEveryNibabelFixtureRoundTripsToTheSameHeader(string name)
    {
        if (NiftiFixtures.Nibabel.GetProperty(name).TryGetProperty("error", out _))
        {
            return;
        }

        var io = new NibabelIO();
        using ImageVolume image = io.Read([NiftiFixtures.Input(name)]);

        ImageGeometry rebuilt = RoundTrip(image, NibabelIO.ReaderName);

        AssertSameWrite(io, image.Geometry, rebuilt);
    }

    [Theory]
    [InlineData("NibabelIO", "nibabel_stuff.original_affine")]
    [InlineData("SimpleITKIO", "sitk_stuff")]
    public void MissingGeometryIsAnErrorNamingFileAndKey(string readerName, string key)
    {
        var properties = new PreprocessingProperties(new Shape3(2, 3, 4), new BoundingBox(0, 2, 0, 3, 0, 4), new Shape3(2, 3, 4), [1.0, 1.0, 1.0], null, null);

        var error = Assert.Throws<SegEngineException>(() => properties.Geometry(readerName, [0, 1, 2], "case.json"));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.StartsWith("case.json: ", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{key}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoDimensionalSitkStuffNeedsASingleSlice()
    {
        var properties = new PreprocessingProperties(
            new Shape3(2, 3, 4), new BoundingBox(0, 2, 0, 3, 0, 4), new Shape3(2, 3, 4), [1.0, 1.0, 1.0], null, null,
            new SitkStuff([1.0, 1.0], [0.0, 0.0], [1.0, 0.0, 0.0, 1.0]));

        var error = Assert.Throws<SegEngineException>(() => properties.Geometry(SimpleItkIO.ReaderName, [0, 1, 2], "case.json"));

        Assert.Contains("2D", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheShapeIsTransposedBack()
    {
        var properties = new PreprocessingProperties(
            new Shape3(2, 3, 4), new BoundingBox(0, 2, 0, 3, 0, 4), new Shape3(2, 3, 4), [1.0, 1.0, 1.0], null,
            [1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0, 0, 0, 0, 0, 1.0]);

        ImageGeometry geometry = properties.Geometry(NibabelIO.ReaderName, [2, 0, 1], "case.json");

        Assert.Equal(new Shape3(4, 2, 3), geometry.OriginalShape);
    }

    /// <summary>The image's geometry through properties, JSON and back, as the export sees it.</summary>
    private static ImageGeometry RoundTrip(ImageVolume image, string readerName)
    {
        Shape3 shape = image.Geometry.OriginalShape;
        var properties = new PreprocessingProperties(
            shape, new BoundingBox(0, shape.Z, 0, shape.Y, 0, shape.X), shape, image.Spacing, null, image.Geometry.Affine, image.Geometry.SitkStuff);
        return PreprocessingProperties.ReadJson(properties.WriteJson(), "memory").Geometry(readerName, [0, 1, 2], "memory");
    }

    private static void AssertSameWrite(IImageReaderWriter io, ImageGeometry read, ImageGeometry rebuilt)
    {
        byte[] labels = NiftiFixtures.Labels(read.OriginalShape);
        string folder = TestPaths.NewTempFolder();
        string fromImage = Path.Combine(folder, "from_image.nii.gz");
        string fromProperties = Path.Combine(folder, "from_properties.nii.gz");

        io.WriteSegmentation(fromImage, labels, read);
        io.WriteSegmentation(fromProperties, labels, rebuilt);

        Assert.Equal(NiftiFixtures.Decompress(fromImage), NiftiFixtures.Decompress(fromProperties));
    }

    private static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
