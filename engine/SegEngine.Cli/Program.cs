using System.CommandLine;

namespace SegEngine.Cli;

/// <summary>The <c>segengine</c> command: parses flags and hands the work to the engine.</summary>
public static class Program
{
    public static int Main(string[] args) => BuildRoot().Parse(args).Invoke();

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
