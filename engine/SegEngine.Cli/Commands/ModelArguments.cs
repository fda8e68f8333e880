using System.CommandLine;
using SegEngine.Model;

namespace SegEngine.Cli.Commands;

/// <summary>The flags that choose a model, spelled as nnU-Net spells them (<c>-m -c -f -chk</c>), shared by the commands that load one.</summary>
internal sealed class ModelArguments
{
    public Option<string> Model { get; } = new("-m", "--model")
    {
        Description = "Model folder ({trainer}__{plans}__{configuration}) or a dataset folder holding several",
        Required = true,
    };

    public Option<string?> Configuration { get; } = new("-c", "--configuration") { Description = "Configuration, e.g. 3d_fullres (needed when -m holds several)" };

    public Option<string[]?> Folds { get; } = new("-f", "--folds")
    {
        Description = "Folds: integers or 'all' (default: every fold_N folder)",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string> Checkpoint { get; } = new("-chk", "--checkpoint")
    {
        Description = "Checkpoint file name in each fold folder",
        DefaultValueFactory = _ => ModelFolderOptions.DefaultCheckpointName,
    };

    public void AddTo(Command command)
    {
        command.Add(Model);
        command.Add(Configuration);
        command.Add(Folds);
        command.Add(Checkpoint);
    }

    public string ModelPath(ParseResult parse) => parse.GetRequiredValue(Model);

    public ModelFolderOptions FolderOptions(ParseResult parse) => new()
    {
        Configuration = parse.GetValue(Configuration),
        Folds = parse.GetValue(Folds) is { Length: > 0 } requested ? requested : null,
        CheckpointName = parse.GetValue(Checkpoint) ?? ModelFolderOptions.DefaultCheckpointName,
    };
}
