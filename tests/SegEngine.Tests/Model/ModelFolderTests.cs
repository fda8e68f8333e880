using System.Text.Json.Nodes;
using SegEngine.Model;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Tests.Model;

public class ModelFolderTests
{
    [Fact]
    public void LoadsTheSample3dFullres()
    {
        string path = TestPaths.SampleModel("3d_fullres");
        ModelFolder model = ModelFolder.Load(path);

        Assert.Equal(path, model.Directory);
        Assert.Equal("nnUNetTrainer", model.TrainerName);
        Assert.Equal("nnUNetResEncUNetMPlans", model.PlansName);
        Assert.Equal("3d_fullres", model.Configuration.Name);
        Assert.Equal([48, 64, 64], model.Configuration.PatchSize);
        Assert.Equal(1, model.InputChannels);
        Assert.Equal(3, model.Labels.HeadCount);
        Assert.Equal([0, 1, 2], model.MirroringAxes!);
        Assert.Equal([0, 1, 2], model.Network.MirroringAxes);
        Assert.Equal(3, model.Network.HeadCount);
        Assert.Empty(model.Warnings);

        FoldInfo fold = Assert.Single(model.Folds);
        Assert.Equal("fold_0", fold.Name);
        Assert.Equal(Path.Combine(path, "fold_0", "model.onnx"), fold.OnnxPath);
        Assert.Equal(Path.Combine(path, "fold_0", "checkpoint_final.pth"), fold.CheckpointPath);
        Assert.Equal("nnUNetTrainer", fold.Checkpoint!.TrainerName);
        Assert.Equal("3d_fullres", fold.Checkpoint.Configuration);
        Assert.Equal("0", fold.Checkpoint.Fold);
        Assert.Equal(41, fold.Checkpoint.Epoch);

        OnnxSignature onnx = fold.Onnx!;
        Assert.Equal("input", onnx.Input.Name);
        Assert.Equal("logits", onnx.Output.Name);
        Assert.True(onnx.DynamicBatch);
        Assert.Null(onnx.FixedBatchSize);
        Assert.Equal(3, onnx.HeadCount);
        Assert.Equal([-1L, 1, 48, 64, 64], onnx.Header.Inputs[0].Dimensions);
        Assert.Equal([-1L, 3, 48, 64, 64], onnx.Header.Outputs[0].Dimensions);
        Assert.Equal("Float", onnx.Header.Inputs[0].ElementType);
    }

    [Fact]
    public void LoadsTheSample2d()
    {
        ModelFolder model = ModelFolder.Load(TestPaths.SampleModel("2d"), folds: ["0"]);

        Assert.True(model.Configuration.Is2D);
        Assert.Equal([96, 96], model.Configuration.PatchSize);
        Assert.Equal([0, 1], model.MirroringAxes!);
        Assert.Equal(67, model.Folds[0].Checkpoint!.Epoch);
        Assert.Equal([-1L, 3, 96, 96], model.Folds[0].Onnx!.Header.Outputs[0].Dimensions);
    }

    [Fact]
    public void DatasetFolderNeedsTheConfigurationToChoose()
    {
        string datasetFolder = TestPaths.SampleDataset;

        ModelFolder model = ModelFolder.Load(datasetFolder, configuration: "2d");
        Assert.Equal(TestPaths.SampleModel("2d"), model.Directory);

        var ambiguous = Assert.Throws<SegEngineException>(() => ModelFolder.Load(datasetFolder));
        Assert.Contains(ModelFixtures.SampleFolderPrefix + "2d", ambiguous.Message);
        Assert.Contains(ModelFixtures.SampleFolderPrefix + "3d_fullres", ambiguous.Message);

        var absent = Assert.Throws<SegEngineException>(() => ModelFolder.Load(datasetFolder, configuration: "3d_lowres"));
        Assert.Contains("3d_lowres", absent.Message);
        Assert.Contains(ModelFixtures.SampleFolderPrefix + "3d_fullres", absent.Message);
    }

    [Fact]
    public void RequestedConfigurationMustMatchTheFolder()
    {
        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(TestPaths.SampleModel("3d_fullres"), configuration: "2d"));

        Assert.Contains("'2d'", error.Message);
        Assert.Contains("'3d_fullres'", error.Message);
    }

    [Theory]
    [InlineData("1", "fold_1")]
    [InlineData("all", "fold_all")]
    public void MissingRequestedFoldIsNamed(string fold, string folder)
    {
        string path = TestPaths.SampleModel("2d");

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path, folds: [fold]));
        Assert.Contains(Path.Combine(path, folder), error.Message);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("-1")]
    public void BadFoldNamesAreErrors(string fold)
    {
        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(TestPaths.SampleModel("2d"), folds: [fold]));
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
    }

    [Fact]
    public void DefaultFoldsAreTheNumberedOnesSortedAndAllIsAccepted()
    {
        string path = ModelFixtures.CopySample("2d");
        CopyDirectory(Path.Combine(path, "fold_0"), Path.Combine(path, "fold_10"));
        CopyDirectory(Path.Combine(path, "fold_0"), Path.Combine(path, "fold_2"));
        CopyDirectory(Path.Combine(path, "fold_0"), Path.Combine(path, "fold_all"));

        Assert.Equal(["fold_0", "fold_2", "fold_10"], ModelFolder.Load(path).Folds.Select(f => f.Name));
        Assert.Equal(["fold_all", "fold_2"], ModelFolder.Load(path, folds: ["all", "2"]).Folds.Select(f => f.Name));
    }

    [Theory]
    [InlineData("dataset.json")]
    [InlineData("fold_0/checkpoint_final.pth")]
    public void MissingFileIsNamed(string relative)
    {
        string path = ModelFixtures.CopySample("2d");
        string missing = Path.Combine(path, relative);
        File.Delete(missing);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void MissingPlansAndMissingFolderAreNamed()
    {
        string path = ModelFixtures.CopySample("2d");
        File.Delete(Path.Combine(path, "plans.json"));
        Assert.Contains(Path.Combine(path, "plans.json"), Assert.Throws<SegEngineException>(() => ModelFolder.Load(path)).Message);

        string nowhere = Path.Combine(TestPaths.NewTempFolder(), "absent");
        Assert.Contains(nowhere, Assert.Throws<SegEngineException>(() => ModelFolder.Load(nowhere)).Message);
    }

    [Fact]
    public void IncompleteFoldsAreReportedWhenAllowed()
    {
        string path = ModelFixtures.CopySample("2d");
        string checkpoint = Path.Combine(path, "fold_0", "checkpoint_final.pth");
        File.Delete(checkpoint);

        ModelFolder model = ModelFolder.Load(path, new ModelFolderOptions { AllowIncompleteFolds = true });

        Assert.Null(model.Folds[0].CheckpointPath);
        Assert.Null(model.Folds[0].Checkpoint);
        Assert.NotNull(model.Folds[0].Onnx);
        Assert.Contains(model.Warnings, w => w.Contains(checkpoint, StringComparison.Ordinal));
    }

    [Fact]
    public void ACheckpointOnlyFoldIsCompleteBecauseItConverts()
    {
        string path = ModelFixtures.CopySample("2d");
        File.Delete(Path.Combine(path, "fold_0", "model.onnx"));

        ModelFolder model = ModelFolder.Load(path);

        Assert.Null(model.Folds[0].OnnxPath);
        Assert.NotNull(model.Folds[0].Checkpoint);
        Assert.Empty(model.Warnings);
    }

    [Fact]
    public void ConvertIgnoresABrokenOnnx()
    {
        string path = ModelFixtures.CopySample("2d");
        File.WriteAllBytes(Path.Combine(path, "fold_0", "model.onnx"), [1, 2, 3]);

        Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));
        Assert.Null(ModelFolder.Load(path, new ModelFolderOptions { IgnoreOnnx = true }).Folds[0].OnnxPath);
    }

    [Fact]
    public void CustomCheckpointNameIsUsed()
    {
        string path = ModelFixtures.CopySample("2d");
        File.Move(Path.Combine(path, "fold_0", "checkpoint_final.pth"), Path.Combine(path, "fold_0", "checkpoint_best.pth"));

        ModelFolder model = ModelFolder.Load(path, checkpointName: "checkpoint_best.pth");
        Assert.Equal([0, 1], model.MirroringAxes!);
    }

    [Fact]
    public void CheckpointWithoutMirroringAxesMeansNoMirroring()
    {
        // nnU-Net mirrors only along inference_allowed_mirroring_axes; None (e.g. nnUNetTrainer_noMirroring) means never.
        string path = ModelFixtures.CopySample("2d");
        TorchCheckpointWriter.Write(Path.Combine(path, "fold_0", "checkpoint_final.pth"), [], "2d", "0", "nnUNetTrainer_noMirroring", mirroringAxes: null);

        ModelFolder model = ModelFolder.Load(path);

        Assert.Null(model.MirroringAxes);
        Assert.Empty(model.Network.MirroringAxes);
    }

    [Fact]
    public void FolderWithoutCheckpointMirrorsEveryPatchAxis()
    {
        string path = ModelFixtures.CopySample("2d");
        File.Delete(Path.Combine(path, "fold_0", "checkpoint_final.pth"));

        Assert.Equal([0, 1], ModelFolder.Load(path, new ModelFolderOptions { AllowIncompleteFolds = true }).Network.MirroringAxes);
    }

    [Fact]
    public void OnnxPatchMismatchNamesTheFileAndBothValues()
    {
        string path = ModelFixtures.CopySample("2d");
        ModelFixtures.EditJson(Path.Combine(path, "plans.json"), plans => plans.Configurations()["2d"]!["patch_size"] = new JsonArray(64, 96));

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(Path.Combine(path, "fold_0", "model.onnx"), error.Message);
        Assert.Contains("spatial size 96 on axis 0", error.Message);
        Assert.Contains("[64, 96]", error.Message);
    }

    [Fact]
    public void OnnxChannelMismatchNamesTheFileAndBothValues()
    {
        string path = ModelFixtures.CopySample("2d");
        ModelFixtures.EditJson(Path.Combine(path, "dataset.json"), dataset => dataset["channel_names"] = new JsonObject { ["0"] = "CT", ["1"] = "PET" });
        ModelFixtures.EditJson(Path.Combine(path, "plans.json"), plans =>
        {
            plans.Configurations()["2d"]!["normalization_schemes"] = new JsonArray("CTNormalization", "ZScoreNormalization");
            plans.Configurations()["2d"]!["use_mask_for_norm"] = new JsonArray(false, false);
        });

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));

        Assert.Contains(Path.Combine(path, "fold_0", "model.onnx"), error.Message);
        Assert.Contains("has 1 channels", error.Message);
        Assert.Contains("2 input channels", error.Message);
    }

    [Fact]
    public void OnnxHeadMismatchNamesTheFileAndBothValues()
    {
        string path = ModelFixtures.CopySample("2d");
        ModelFixtures.EditJson(Path.Combine(path, "dataset.json"), dataset => dataset["labels"]!["tube"] = 3);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));

        Assert.Contains(Path.Combine(path, "fold_0", "model.onnx"), error.Message);
        Assert.Contains("has 3 heads", error.Message);
        Assert.Contains("4 heads", error.Message);
    }

    [Fact]
    public void NormalisationCountMustMatchTheChannels()
    {
        string path = ModelFixtures.CopySample("2d");
        ModelFixtures.EditJson(Path.Combine(path, "dataset.json"), dataset => dataset["channel_names"] = new JsonObject { ["0"] = "CT", ["1"] = "PET" });

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));
        Assert.Contains("1 normalization_schemes", error.Message);
        Assert.Contains("2 channels", error.Message);
    }

    [Fact]
    public void CascadeStageAddsForegroundChannelsAndCheckpointDifferenceIsAWarning()
    {
        // A cascade stage inheriting from 2d needs 1 + 2 input channels; the 1-channel ONNX must be rejected.
        string parent = TestPaths.NewTempFolder();
        string path = ModelFixtures.CopySample("2d", ModelFixtures.SampleFolderPrefix + "2d_cascade", parent);
        ModelFixtures.EditJson(Path.Combine(path, "plans.json"), plans =>
            plans.Configurations()["2d_cascade"] = new JsonObject { ["inherits_from"] = "2d", ["previous_stage"] = "2d" });

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(path));
        Assert.Contains("3 input channels", error.Message);

        // Without the cascade link the inherited configuration loads; the checkpoint says '2d', which is only a warning.
        ModelFixtures.EditJson(Path.Combine(path, "plans.json"), plans => plans.Configurations()["2d_cascade"]!.AsObject().Remove("previous_stage"));
        ModelFolder model = ModelFolder.Load(path);
        Assert.Equal("2d_cascade", model.Configuration.Name);
        Assert.Contains(model.Warnings, w => w.Contains("init_args.configuration is '2d'", StringComparison.Ordinal));
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }
}
