namespace SegEngine.Perf.Common;

/// <summary>Restarts <see cref="ResidentMemory.Peak"/>, so that a peak can be taken over one phase of a process.</summary>
internal static class ResidentPeak
{
    /// <summary>Resets VmHWM to the current VmRSS (Linux 4.0 and later: writing 5 to <c>/proc/self/clear_refs</c>).</summary>
    public static void Reset() => File.WriteAllText("/proc/self/clear_refs", "5");
}
