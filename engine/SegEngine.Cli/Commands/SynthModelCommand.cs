using System.CommandLine;
using System.Globalization;
using SegEngine.Pipeline;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine synth-model --plans PLANS.json -c CONFIG --classes K --seed S -o FOLDER</c>: writes a model folder with
/// deterministic random weights for the plans' real topology, for benchmarks.
/// </summary>
internal static class SynthModelCommand
{
    public static Command Create()
    {
        var plans = new Option<string>("--plans") { Description = "plans.json whose configuration defines the network", Required = true };
        var configuration = new Option<string>("-c", "--configuration") { Description = "Configuration of the plans, e.g. 3d_fullres", Required = true };
        var classes = new Option<int>("--classes") { Description = "Output classes, background included (2 or more)", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("-o", "--output") { Description = "Model folder to write", Required = true };
        var noCheckpointWeights = new Option<bool>("--no-checkpoint-weights")
        {
            Description = "Write only the metadata into checkpoint_final.pth (half the disk; nnU-Net itself cannot load the model then)",
        };
        var command = new Command("synth-model", "Write a model folder with random weights for a plans' topology (for benchmarks).")
        {
            plans, configuration, classes, seed, output, noCheckpointWeights,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            SyntheticModelReport report = SyntheticModelFolder.Create(new SyntheticModelRequest(
                parse.GetRequiredValue(plans),
                parse.GetRequiredValue(configuration),
                parse.GetValue(classes),
                parse.GetValue(seed),
                parse.GetRequiredValue(output),
                CheckpointWeights: !parse.GetValue(noCheckpointWeights)));
            Console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"wrote {report.Folder}: {report.NetworkClass}, {report.ParameterCount} parameters, model.onnx {report.OnnxBytes / 1e6:F1} MB, in {report.Elapsed.TotalSeconds:F2} s"));
            return CommandRunner.Success;
        }));
        return command;
    }
}
