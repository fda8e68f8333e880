using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>What <c>perf/run network</c> measured, all in one process.</summary>
/// <param name="ModelLoadSeconds"><c>SegModel.Load</c>: folder read, session created and warmed up on two zero tiles.</param>
/// <param name="SessionCreationSeconds"><c>new InferenceSession</c> alone, with the engine's CPU settings.</param>
/// <param name="FirstRunSeconds">The new session's first forward of a random tile (first-touch of its buffers).</param>
/// <param name="SteadyRunSeconds">The forwards after it, in order.</param>
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
    double ModelLoadSeconds,
    double SessionCreationSeconds,
    double FirstRunSeconds,
    IReadOnlyList<double> SteadyRunSeconds,
    long PeakResidentBytes,
    FmaPeak Fma,
    ProfileSummary Profile)
{
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
