using SegEngine.Io;

namespace SegEngine.Tests.Io;

public sealed class ImageReaderWritersTests
{
    [Theory]
    [InlineData("NibabelIO")]
    [InlineData("SimpleITKIO")]
    [InlineData("NibabelIOWithReorient")]
    [InlineData("NaturalImage2DIO")]
    [InlineData("Tiff3DIO")]
    public void KnownReadersAreCreated(string name) => Assert.Equal(name, ImageReaderWriters.Create(name).Name);

    [Theory]
    [InlineData("SimpleITKIOWithReorient")]
    [InlineData("MyOwnIO")]
    public void OtherReadersAreUnsupportedByName(string name)
    {
        var error = Assert.Throws<SegEngineException>(() => ImageReaderWriters.Create(name));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains(name, error.Message);
    }

    [Theory]
    [InlineData("NibabelIO")]
    [InlineData("SimpleITKIO")]
    public void FailedWriteLeavesNothingUnderTheFinalNameNorTemporaryFiles(string reader)
    {
        IImageReaderWriter io = ImageReaderWriters.Create(reader);
        using ImageVolume volume = io.Read([NiftiFixtures.Input("geom_lps_case")]);
        string folder = TestPaths.NewTempFolder();
        string target = Path.Combine(folder, "seg.nii.gz");
        Directory.CreateDirectory(target);

        var error = Assert.Throws<SegEngineException>(() => io.WriteSegmentation(target, NiftiFixtures.Labels(volume.Geometry.OriginalShape), volume.Geometry));

        Assert.Equal(SegErrorCode.Io, error.Code);
        Assert.Empty(Directory.GetFiles(folder));
        Assert.Empty(Directory.GetFileSystemEntries(target));
    }

    [Fact]
    public void WriteReplacesAnExistingFileWhole()
    {
        IImageReaderWriter io = ImageReaderWriters.Create("SimpleITKIO");
        using ImageVolume volume = io.Read([NiftiFixtures.Input("geom_lps_case")]);
        string target = Path.Combine(TestPaths.NewTempFolder(), "seg.nii.gz");
        File.WriteAllText(target, "old content");

        io.WriteSegmentation(target, NiftiFixtures.Labels(volume.Geometry.OriginalShape), volume.Geometry);

        using ImageVolume back = io.Read([target]);
        Assert.Equal(NiftiFixtures.Labels(volume.Geometry.OriginalShape).Select(b => (float)b).ToArray(), back.Data.Span.ToArray());
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(target)!));
    }

    [Fact]
    public void WrongLabelCountIsACallerError()
    {
        IImageReaderWriter io = ImageReaderWriters.Create("NibabelIO");
        using ImageVolume volume = io.Read([NiftiFixtures.Input("geom_lps_case")]);
        Assert.Throws<ArgumentException>(() => io.WriteSegmentation(Path.Combine(TestPaths.NewTempFolder(), "x.nii.gz"), new byte[7], volume.Geometry));
    }
}
