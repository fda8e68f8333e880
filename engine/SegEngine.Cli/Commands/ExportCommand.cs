using System.CommandLine;
using SegEngine.Model;
using SegEngine.Pipeline;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine export --logits LOGITS.npy --properties PROPS.json -m MODEL [-c CONFIG] -o OUT_FILE [--save_probabilities]</c>:
/// runs only the export stage on logits made elsewhere (nnU-Net's, or an ensemble built outside), for checks and for users
/// who ensemble themselves. Needs no ONNX export.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var modelArguments = new ModelArguments();
        var logits = new Option<string>("--logits")
        {
            Description = "The case's logits, .npy of shape (K, z, y, x) on the preprocessed grid: float16 as nnU-Net keeps them, or float32 (rounded to float16)",
            Required = true,
        };
        var properties = new Option<string>("--properties")
        {
            Description = "The case's properties as JSON (nnU-Net's keys, as segengine preprocess or --save_probabilities write them)",
            Required = true,
        };
        var output = new Option<string>("-o", "--output") { Description = "The segmentation file to write, e.g. case.nii.gz", Required = true };
        var saveProbabilities = new Option<bool>("--save_probabilities", "--save-probabilities")
        {
            Description = "Also write the probabilities as nnU-Net does, OUT less its file ending plus .npz, and the properties as .json (.properties.json for Tiff3DIO)",
        };
        var command = new Command("export", "Run only the export stage: fp16 logits and properties from elsewhere to a segmentation.")
        {
            logits, properties, output, saveProbabilities, modelArguments.Model, modelArguments.Configuration,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            ModelFolder folder = ModelFolder.Load(
                modelArguments.ModelPath(parse),
                new ModelFolderOptions { Configuration = parse.GetValue(modelArguments.Configuration), AllowIncompleteFolds = true });
            string outputFile = parse.GetRequiredValue(output);
            string? probabilitiesFile = parse.GetValue(saveProbabilities) ? ProbabilitiesPath(outputFile, folder.Dataset.FileEnding) : null;
            string? folderOfOutput = Path.GetDirectoryName(Path.GetFullPath(outputFile));
            if (folderOfOutput is not null)
            {
                Directory.CreateDirectory(folderOfOutput);
            }

            LogitsExport.Run(folder, parse.GetRequiredValue(logits), parse.GetRequiredValue(properties), outputFile, probabilitiesFile);
            Console.Error.WriteLine($"export: {outputFile}{(probabilitiesFile is null ? "" : $", {probabilitiesFile}")}");
            return CommandRunner.Success;
        }));
        return command;
    }

    /// <summary>nnU-Net names the probabilities after the case: <c>case.nii.gz</c> → <c>case.npz</c>.</summary>
    private static string ProbabilitiesPath(string outputFile, string fileEnding) =>
        outputFile.EndsWith(fileEnding, StringComparison.Ordinal) && outputFile.Length > fileEnding.Length
            ? outputFile[..^fileEnding.Length] + ".npz"
            : Path.ChangeExtension(outputFile, ".npz");
}
