using System.Diagnostics;
using System.Globalization;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// What the machine can still give this process: Linux's MemAvailable, and under a cgroup memory limit (v2
/// <c>memory.max</c>, v1 <c>memory.limit_in_bytes</c>, of the process's own group) what the limit leaves above the
/// group's working set.
/// </summary>
internal static class MachineMemory
{
    /// <summary>cgroup v1 writes "no limit" as the largest page-aligned long; anything from an exabyte up means the same.</summary>
    private const long NoLimit = 1L << 60;

    /// <summary>The bytes this process may still allocate; null where the system says nothing (not Linux).</summary>
    public static long? HeadroomBytes(string root = "/")
    {
        long? available = MemAvailable(Read(Path.Combine(root, "proc/meminfo")));
        string? selfCgroup = Read(Path.Combine(root, "proc/self/cgroup"));
        string v2 = Path.Combine(root, "sys/fs/cgroup", OwnGroup(selfCgroup, v2: true));
        string v1 = Path.Combine(root, "sys/fs/cgroup/memory", OwnGroup(selfCgroup, v2: false));
        long? cgroup = CgroupHeadroom(
            Read(Path.Combine(v2, "memory.max")) ?? Read(Path.Combine(v1, "memory.limit_in_bytes")),
            Read(Path.Combine(v2, "memory.current")) ?? Read(Path.Combine(v1, "memory.usage_in_bytes")),
            Read(Path.Combine(v2, "memory.stat")) ?? Read(Path.Combine(v1, "memory.stat")));
        return (available, cgroup) switch
        {
            (long a, long c) => Math.Min(a, c),
            (long a, null) => a,
            (null, long c) => c,
            _ => null,
        };
    }

    /// <summary>
    /// The process's group below the hierarchy's mount, from <c>/proc/self/cgroup</c> ("0::/path" for v2,
    /// "N:memory:/path" for v1); "" (the mount itself, as inside a container's cgroup namespace) when not listed.
    /// </summary>
    internal static string OwnGroup(string? selfCgroup, bool v2)
    {
        foreach (string line in (selfCgroup ?? "").Split('\n'))
        {
            string[] fields = line.Split(':', 3);
            if (fields.Length == 3 && (v2 ? fields[0] == "0" && fields[1].Length == 0 : fields[1].Split(',').Contains("memory")))
            {
                return fields[2].Trim().TrimStart('/');
            }
        }

        return "";
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

    /// <summary>
    /// The limit less the group's working set: its use less the inactive file cache, which the kernel reclaims before it
    /// kills anything (the figure kubelet evicts on). Without the use, this process's resident set stands in; null without a limit.
    /// </summary>
    internal static long? CgroupHeadroom(string? limitText, string? usageText, string? statText = null)
    {
        if (!long.TryParse(limitText?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long limit) || limit >= NoLimit)
        {
            return null;
        }

        long used = long.TryParse(usageText?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long usage)
            ? Math.Max(0, usage - InactiveFileBytes(statText))
            : ResidentBytes();
        return Math.Max(0, limit - used);
    }

    /// <summary><c>inactive_file</c> (v2) or <c>total_inactive_file</c> (v1) of a memory.stat; 0 when absent.</summary>
    internal static long InactiveFileBytes(string? statText)
    {
        foreach (string line in (statText ?? "").Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 2 && fields[0] is "inactive_file" or "total_inactive_file"
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
            {
                return bytes;
            }
        }

        return 0;
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
