using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SegEngine.Perf.Common;

/// <summary>What a result table must name: the machine, the runtime and the commit it was measured on.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, long MemoryBytes, string Os, string Runtime, string Commit)
{
    public static MachineInfo Current() => new(
        CpuModel(),
        Environment.ProcessorCount,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GitCommit());

    public override string ToString() =>
        $"{Cpu}, {Cores} cores, {MemoryBytes / (double)(1L << 30):F1} GiB, {Os}, {Runtime}, commit {Commit}";

    private static string CpuModel()
    {
        const string Key = "model name";
        if (File.Exists("/proc/cpuinfo"))
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith(Key, StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The checked-out commit (with "+dirty" when the tree has changes), or "unknown" outside a git checkout.</summary>
    private static string GitCommit()
    {
        string? head = Git("rev-parse --short=12 HEAD");
        if (head is null)
        {
            return "unknown";
        }

        string? changes = Git("status --porcelain --untracked-files=no");
        return string.IsNullOrWhiteSpace(changes) ? head : head + "+dirty";
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = AppContext.BaseDirectory,
            });
            if (git is null)
            {
                return null;
            }

            string output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
