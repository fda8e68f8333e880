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

    /// <summary>
    /// The CPU as /proc/cpuinfo names it, with its family and model, the AMD core generation they identify and the widest
    /// vector instructions it has: our VMs call every CPU "AMD EPYC", while Zen 3, Zen 4 and Zen 5 differ twofold in
    /// vector throughput.
    /// </summary>
    private static string CpuModel()
    {
        if (!File.Exists("/proc/cpuinfo"))
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
        {
            // The first processor's block is enough: all cores of our machines are alike.
            if (line.Length == 0)
            {
                break;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        string name = fields.GetValueOrDefault("model name", RuntimeInformation.ProcessArchitecture.ToString());
        if (!int.TryParse(fields.GetValueOrDefault("cpu family"), out int family) || !int.TryParse(fields.GetValueOrDefault("model"), out int model))
        {
            return name;
        }

        string[] flags = fields.GetValueOrDefault("flags", "").Split(' ');
        string vectors = flags.Contains("avx512f") ? "AVX-512" : flags.Contains("avx2") ? "AVX2" : "no AVX2";
        string generation = fields.GetValueOrDefault("vendor_id") == "AuthenticAMD" && AmdGeneration(family, model) is { } zen ? $": {zen}" : "";
        return $"{name} (family {family} model {model}{generation}, {vectors})";
    }

    /// <summary>AMD's core generation for a family and model (AMD's published family/model ranges); null when unknown.</summary>
    private static string? AmdGeneration(int family, int model) => family switch
    {
        0x17 => model >= 0x30 ? "Zen 2" : "Zen or Zen+",
        0x19 => model is (>= 0x10 and <= 0x1F) or (>= 0x60 and <= 0x7F) or (>= 0xA0 and <= 0xAF) ? "Zen 4" : "Zen 3",
        0x1A => "Zen 5",
        _ => null,
    };

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
