namespace SegEngine.Perf.Network;

/// <summary>One fresh session of <see cref="FirstForwardBenchmark"/>: its prefault, first and steady forwards, and memory.</summary>
/// <param name="PrefaultedBytes">What the prefault left resident in the arena (0 without one).</param>
/// <param name="FirstRunFaults">Minor page faults of the process during the first forward.</param>
/// <param name="PeakGrowthBytes">VmHWM over the session, less the resident set before it was created.</param>
internal sealed record FirstForwardVariant(
    string Name,
    double SessionCreationSeconds,
    long PrefaultedBytes,
    double PrefaultSeconds,
    double FirstRunSeconds,
    long FirstRunFaults,
    IReadOnlyList<double> SteadyRunSeconds,
    IReadOnlyList<long> SteadyRunFaults,
    long PeakGrowthBytes)
{
    public double SteadyMedianSeconds => SteadyRunSeconds.Order().ElementAt(SteadyRunSeconds.Count / 2);
}
