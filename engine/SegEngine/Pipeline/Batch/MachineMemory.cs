using System.Diagnostics;
using System.Globalization;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// What the machine can still give this process: Linux's MemAvailable, and under a cgroup memory limit (v2
/// <c>memory.max</c>, v1 <c>memory.limit_in_bytes</c>) what the limit leaves above the group's current use.
/// </summary>
internal static class MachineMemory
{
    /// <summary>cgroup v1 writes "no limit" as the largest page-aligned long; anything from an exabyte up means the same.</summary>
    private const long NoLimit = 1L << 60;

    /// <summary>The bytes this process may still allocate; null where the system says nothing (not Linux).</summary>
    public static long? HeadroomBytes(string root = "/")
    {
        long? available = MemAvailable(Read(Path.Combine(root, "proc/meminfo")));
        long? cgroup = CgroupHeadroom(
            Read(Path.Combine(root, "sys/fs/cgroup/memory.max")) ?? Read(Path.Combine(root, "sys/fs/cgroup/memory/memory.limit_in_bytes")),
            Read(Path.Combine(root, "sys/fs/cgroup/memory.current")) ?? Read(Path.Combine(root, "sys/fs/cgroup/memory/memory.usage_in_bytes")));
        return (available, cgroup) switch
        {
            (long a, long c) => Math.Min(a, c),
            (long a, null) => a,
            (null, long c) => c,
            _ => null,
        };
    }

    /// <summary>MemAvailable from /proc/meminfo's text (in kB there).</summary>
    internal static long? MemAvailable(string? meminfo)
    {
        foreach (string line in (meminfo ?? "").Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "MemAvailable:" && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kb))
            {
                return kb * 1024;
            }
        }

        return null;
    }

    /// <summary>The limit less the group's use (or this process's resident set when the use is unknown); null without a limit.</summary>
    internal static long? CgroupHeadroom(string? limitText, string? usageText)
    {
        if (!long.TryParse(limitText?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long limit) || limit >= NoLimit)
        {
            return null;
        }

        long used = long.TryParse(usageText?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long usage) ? usage : ResidentBytes();
        return Math.Max(0, limit - used);
    }

    private static long ResidentBytes()
    {
        using Process self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
