namespace SegEngine.Perf.Network;

/// <summary>One side of <c>perf/run network-rewrite</c>: the ONNX as exported, or its depth-slice rewrite.</summary>
/// <param name="PrepareSeconds">Writing the rewrite (or finding it cached, or nothing for the original).</param>
/// <param name="PeakResidentBytes">VmHWM from the variant's session creation through its timed forwards, reset before it.</param>
/// <param name="ProfiledNodes">The profiled steady forwards' kernel runs, for joining the two graphs node by node.</param>
internal sealed record RewriteVariant(
    string Name,
    string OnnxPath,
    double PrepareSeconds,
    double SessionCreationSeconds,
    double FirstRunSeconds,
    IReadOnlyList<double> SteadyRunSeconds,
    long PeakResidentBytes,
    ProfileSummary Profile,
    [property: System.Text.Json.Serialization.JsonIgnore] IReadOnlyList<ProfiledNode> ProfiledNodes)
{
    public double MedianSeconds
    {
        get
        {
            double[] sorted = [.. SteadyRunSeconds.Order()];
            int middle = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }
}
