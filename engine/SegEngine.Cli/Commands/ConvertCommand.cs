using System.CommandLine;
using System.Globalization;
using SegEngine.Model;
using SegEngine.Pipeline;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine convert -m MODEL [-c CONFIG] [-f FOLDS...] [-chk NAME] [-o OUT.onnx]</c>: rebuilds each fold's network
/// from the plans, fills it with the checkpoint's weights and writes <c>fold_N/model.onnx</c> (or <c>-o</c> for one fold).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var modelArguments = new ModelArguments();
        var output = new Option<string?>("-o", "--output") { Description = "Output ONNX file (only with a single fold; default: fold_N/model.onnx)" };
        var command = new Command("convert", "Convert nnU-Net checkpoints to ONNX (no Python needed).");
        modelArguments.AddTo(command);
        command.Add(output);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            ModelFolder folder = ModelFolder.Load(
                modelArguments.ModelPath(parse),
                modelArguments.FolderOptions(parse) with { AllowIncompleteFolds = true, IgnoreOnnx = true });
            string? target = parse.GetValue(output);
            if (target is not null && folder.Folds.Count != 1)
            {
                throw new UsageException($"-o names one file, but {folder.Folds.Count} folds were selected ({string.Join(", ", folder.Folds.Select(f => f.Name))}); choose one with -f");
            }

            foreach (FoldInfo fold in folder.Folds)
            {
                ConversionReport report = ModelConversion.ConvertFold(folder, fold, target ?? Path.Combine(fold.Directory, ModelFolderOptions.DefaultOnnxName));
                Console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{fold.Name}: wrote {report.OnnxPath} ({report.ParameterCount} parameters, {report.Bytes / 1e6:F1} MB) in {report.Elapsed.TotalSeconds:F2} s"));
            }

            return CommandRunner.Success;
        }));
        return command;
    }
}
