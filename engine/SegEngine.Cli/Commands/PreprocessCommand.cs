using System.CommandLine;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Preprocessing;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine preprocess -i CASE_FILES... -m MODEL [-c CONFIG] -o OUT</c>: writes the network input of one case as
/// nnU-Net's preprocessor makes it, <c>OUT/{case}.npy</c> (C, z, y, x float32), and its properties as <c>OUT/{case}.json</c>.
/// </summary>
internal static class PreprocessCommand
{
    public static Command Create()
    {
        var modelArguments = new ModelArguments();
        var input = new Option<string[]>("-i", "--input") { Description = "The case's channel files, in channel order", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("-o", "--output") { Description = "Output folder (created if missing)", Required = true };
        var previousStage = new Option<string?>("-prev_stage_predictions", "--prev-stage-segmentation") { Description = "The previous stage's segmentation of this case (cascade configurations)" };
        var command = new Command("preprocess", "Write one case's preprocessed network input and properties, to compare with nnU-Net stage by stage.")
        {
            input, output, previousStage,
        };
        modelArguments.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string[] files = parse.GetRequiredValue(input);
            string outputFolder = parse.GetRequiredValue(output);
            ModelFolder folder = ModelFolder.Load(modelArguments.ModelPath(parse), modelArguments.FolderOptions(parse) with { AllowIncompleteFolds = true });
            using PreprocessedCase preprocessed = new CaseReader(folder).Preprocess(files, parse.GetValue(previousStage));
            Directory.CreateDirectory(outputFolder);
            string caseId = CaseId(files[0], folder.Dataset.FileEnding);
            VolumeBuffer<float> data = preprocessed.Data;
            string npy = Path.Combine(outputFolder, caseId + ".npy");
            Npy.Write(npy, data.Span, [data.Channels, data.Shape.Z, data.Shape.Y, data.Shape.X]);
            string json = Path.Combine(outputFolder, caseId + ".json");
            AtomicFile.WriteAllText(json, preprocessed.Properties.WriteJson());
            Console.Error.WriteLine($"{caseId}: {data.Channels} x {data.Shape} -> {npy}");
            return CommandRunner.Success;
        }));
        return command;
    }

    /// <summary>nnU-Net's case id: the file name less <c>_XXXX</c> and the file ending; other names keep their stem.</summary>
    private static string CaseId(string firstChannel, string fileEnding)
    {
        string name = Path.GetFileName(firstChannel);
        return CaseDiscovery.ParseChannelFile(name, fileEnding)?.CaseId ?? name.Split('.')[0];
    }
}
