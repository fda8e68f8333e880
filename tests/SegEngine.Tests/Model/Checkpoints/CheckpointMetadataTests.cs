using System.IO.Compression;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Tests.Model.Checkpoints;

public class CheckpointMetadataTests
{
    [Theory]
    [InlineData("3d_fullres", new[] { 0, 1, 2 }, 41L)]
    [InlineData("2d", new[] { 0, 1 }, 67L)]
    public void ReadsTheSampleCheckpoints(string configuration, int[] axes, long epoch)
    {
        string path = Path.Combine(TestPaths.SampleModel(configuration), "fold_0", "checkpoint_final.pth");
        CheckpointMetadata metadata = CheckpointMetadata.Read(path);

        Assert.Equal(path, metadata.Path);
        Assert.Equal(axes, metadata.MirroringAxes);
        Assert.Equal("nnUNetTrainer", metadata.TrainerName);
        Assert.Equal(configuration, metadata.Configuration);
        Assert.Equal("0", metadata.Fold);
        Assert.Equal(epoch, metadata.Epoch);
    }

    [Theory]
    [InlineData("checkpoint_no_mirroring_key.pkl")]
    [InlineData("checkpoint_mirroring_none.pkl")]
    public void MissingOrNoneMirroringAxesMeanNoMirroring(string pickle)
    {
        string path = ZipPickle(File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "model", "pickles", pickle)), "checkpoint_final/data.pkl");
        CheckpointMetadata metadata = CheckpointMetadata.Read(path);

        Assert.Null(metadata.MirroringAxes);
        Assert.Equal("nnUNetTrainerNoMirroring", metadata.TrainerName);
        Assert.Equal("3d_lowres", metadata.Configuration);
        Assert.Equal("all", metadata.Fold);
        Assert.Equal(1000, metadata.Epoch);
    }

    [Fact]
    public void NonZipAndZipWithoutPickleAreErrorsNamingTheFile()
    {
        string notZip = Path.Combine(TestPaths.NewTempFolder(), "checkpoint_final.pth");
        File.WriteAllBytes(notZip, [0x80, 0x02, 0x8a, 0x0a]);
        var error = Assert.Throws<SegEngineException>(() => CheckpointMetadata.Read(notZip));
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(notZip, error.Message);

        string noPickle = ZipPickle([1, 2, 3], "archive/other.bin");
        Assert.Contains("data.pkl", Assert.Throws<SegEngineException>(() => CheckpointMetadata.Read(noPickle)).Message);
    }

    [Fact]
    public void NonDictRootIsAnError()
    {
        string path = ZipPickle([0x80, 0x02, (byte)'K', 0x07, (byte)'.'], "archive/data.pkl");

        Assert.Contains("not a dict", Assert.Throws<SegEngineException>(() => CheckpointMetadata.Read(path)).Message);
    }

    private static string ZipPickle(byte[] pickle, string entryName)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "checkpoint_final.pth");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream stream = zip.CreateEntry(entryName, CompressionLevel.NoCompression).Open();
            stream.Write(pickle);
        }

        return path;
    }
}
