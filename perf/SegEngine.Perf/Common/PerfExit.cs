namespace SegEngine.Perf.Common;

/// <summary>Exit codes of the harness, as the CLI uses them: usage errors 2, failed runs 1.</summary>
internal static class PerfExit
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int Usage = 2;
}
