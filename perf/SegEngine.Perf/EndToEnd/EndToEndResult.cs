namespace SegEngine.Perf.EndToEnd;

/// <summary>Seconds one case spent in each stage of <c>segengine predict</c>, and queued between stages.</summary>
internal sealed record StageSeconds(double Read, double Preprocess, double Network, double Aggregation, double Export, double Write, double Waiting)
{
    /// <summary>Stage names in the order a case meets them; queueing sits before the network, where a case mostly waits.</summary>
    public static readonly string[] Names = ["read", "preprocess", "queued", "network (session.Run)", "aggregation", "export", "write"];

    public double[] Values => [Read, Preprocess, Waiting, Network, Aggregation, Export, Write];

    /// <summary>Time the case was being worked on: every stage, without the queueing.</summary>
    public double Working => Read + Preprocess + Network + Aggregation + Export + Write;
}

/// <summary>One case of the run, as the batch report has it.</summary>
internal sealed record CaseResult(string CaseId, int[] InputShape, int[] NetworkShape, int Tiles, StageSeconds Seconds, double WallSeconds)
{
    public long InputVoxels => InputShape.Aggregate(1L, (product, edge) => product * edge);

    /// <summary>The share of the case's working time spent outside <c>session.Run</c>.</summary>
    public double OutsideNetworkShare => Seconds.Working > 0 ? 1 - (Seconds.Network / Seconds.Working) : 0;
}

/// <summary>
/// An end-to-end run: the process as a user starts it, the batch from the first case read to the last written, and
/// the memory against the plan.
/// </summary>
/// <param name="ProcessSeconds">The whole <c>segengine predict</c> process: runtime start, model load, batch, report.</param>
/// <param name="ModelLoadSeconds">Model folder read and every fold's session opened and warmed up.</param>
/// <param name="BatchSeconds">From the batch's start (model loaded) to the last case written.</param>
/// <param name="NetworkSeconds">Time inside ONNX Runtime's <c>Run</c>, summed over cases.</param>
/// <param name="PeakResidentBytes">The process's high-water resident set (VmHWM).</param>
/// <param name="PlannedPeakBytes">The batch plan's peak: resident before the first case plus the memory plan.</param>
internal sealed record EndToEndResult(
    string Title,
    string Command,
    double ProcessSeconds,
    double ModelLoadSeconds,
    double BatchSeconds,
    double NetworkSeconds,
    long PeakResidentBytes,
    long PlannedPeakBytes,
    IReadOnlyList<CaseResult> Cases)
{
    /// <summary>1 − time in <c>session.Run</c> / batch wall time: what the stages around the network cost the batch.</summary>
    public double OutsideNetworkShare => BatchSeconds > 0 ? 1 - (NetworkSeconds / BatchSeconds) : 0;

    /// <summary>The same against the whole process, runtime start and model load included.</summary>
    public double OutsideNetworkShareOfProcess => ProcessSeconds > 0 ? 1 - (NetworkSeconds / ProcessSeconds) : 0;

    public double PeakOverPlan => PlannedPeakBytes > 0 ? PeakResidentBytes / (double)PlannedPeakBytes : 0;

    /// <summary>Input voxels of every case per second of batch wall time.</summary>
    public double VoxelsPerSecond => BatchSeconds > 0 ? Cases.Sum(c => c.InputVoxels) / BatchSeconds : 0;
}
