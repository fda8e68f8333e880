using System.CommandLine;
using System.CommandLine.Parsing;
using SegEngine.Io;

namespace SegEngine.Cli;

/// <summary>The <c>segengine</c> command: parses flags and hands the work to the engine.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ParseResult parse = BuildRoot().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (ParseError error in parse.Errors)
            {
                Console.Error.WriteLine($"error: {error.Message}");
            }

            Console.Error.WriteLine("Run 'segengine --help' or 'segengine COMMAND --help' for the flags.");
            return CommandRunner.UsageError;
        }

        // SIGTERM/SIGINT remove the outputs still being written instead of leaving temporaries; the exit stays non-zero.
        // Not for serve: there SIGTERM is a graceful stop that lets the requests in flight finish and write their outputs.
        using IDisposable? termination = parse.CommandResult.Command.Name == "serve" ? null : TerminationCleanup.Install();
        return parse.Invoke();
    }

    internal static RootCommand BuildRoot()
    {
        var root = new RootCommand("SegEngine: nnU-Net v2 inference on ONNX Runtime, with bounded memory.");
        foreach (Command command in CommandCatalog.All())
        {
            root.Add(command);
        }

        return root;
    }
}
