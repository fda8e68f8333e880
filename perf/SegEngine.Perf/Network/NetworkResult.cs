using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>What <c>perf/run network</c> measured, all in one process.</summary>
/// <param name="Start">The engine's start with no memory record, its first tiles, and model loads.</param>
/// <param name="Engine">A bare session with the engine's CPU settings: creation, the first forward of a random tile (first-touch of its buffers), the forwards after it.</param>
/// <param name="Trials">Other settings, each on a fresh session.</param>
/// <param name="PeakResidentBytes">The process's VmHWM over the model load and the timed forwards (profiling excluded).</param>
/// <param name="LoadAverage">/proc/loadavg before the run: other work sharing the cores.</param>
internal sealed record NetworkResult(
    MachineInfo Machine,
    DateTime Date,
    string LoadAverage,
    string ModelFolder,
    IReadOnlyList<int> PatchSize,
    int InputChannels,
    int Heads,
    long ParameterCount,
    double ConversionSeconds,
    StartMeasurement Start,
    SettingsTrial Engine,
    IReadOnlyList<SettingsTrial> Trials,
    long PeakResidentBytes,
    FmaPeak Fma,
    ProfileSummary Profile)
{
    public double SessionCreationSeconds => Engine.CreationSeconds;

    public double FirstRunSeconds => Engine.RunSeconds[0];

    public IReadOnlyList<double> SteadyRunSeconds => [.. Engine.RunSeconds.Skip(1)];

    public double MedianSeconds => Median(SteadyRunSeconds);

    public double MinSeconds => SteadyRunSeconds.Min();

    /// <summary>The convolutions' throughput as a share of the all-threads FMA peak.</summary>
    public double ConvolutionShareOfPeak => Fma.AllThreads > 0 ? Profile.ConvolutionGflopPerSecond / Fma.AllThreads : 0;

    private static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
