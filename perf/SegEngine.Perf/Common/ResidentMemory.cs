using System.Globalization;

namespace SegEngine.Perf.Common;

/// <summary>The process's resident set from <c>/proc/self/status</c> (Linux): now and its high-water mark.</summary>
internal static class ResidentMemory
{
    /// <summary>VmRSS in bytes.</summary>
    public static long Current() => Read("VmRSS:");

    /// <summary>VmHWM in bytes: the peak resident set since the process started.</summary>
    public static long Peak() => Read("VmHWM:");

    private static long Read(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                string[] parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field} line");
    }
}
