using SegEngine.Model;
using SegEngine.Pipeline;

namespace SegEngine.Tests.Pipeline;

public class SegModelOptionsTests
{
    [Fact]
    public void ThePublicModelFieldsAreTheFolderOptions()
    {
        var options = new SegModelOptions { Configuration = "2d", Folds = ["0", "2"], CheckpointName = "checkpoint_best.pth" };

        Assert.Equal(
            new ModelFolderOptions { Configuration = "2d", Folds = options.Folds, CheckpointName = "checkpoint_best.pth" },
            options.Folder);
    }

    [Fact]
    public void FolderOptionsGivenWholeShowThroughThePublicFields()
    {
        var options = new SegModelOptions { Folder = new ModelFolderOptions { Configuration = "3d_fullres", Folds = ["all"] } };

        Assert.Equal("3d_fullres", options.Configuration);
        Assert.Equal(["all"], options.Folds!);
        Assert.Equal(ModelFolderOptions.DefaultCheckpointName, options.CheckpointName);
    }
}
