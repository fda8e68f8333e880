using System.CommandLine;
using SegEngine.Cli.Commands;

namespace SegEngine.Cli;

/// <summary>Every subcommand, one file each under <c>Commands/</c>; listed here so that the root stays one line per command.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return InfoCommand.Create();
        yield return PreprocessCommand.Create();
        yield return PredictCommand.Create();
        yield return ExportCommand.Create();
        yield return ConvertCommand.Create();
        yield return SynthModelCommand.Create();
        yield return ServeCommand.Create();
    }
}
