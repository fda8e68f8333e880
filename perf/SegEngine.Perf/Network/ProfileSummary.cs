namespace SegEngine.Perf.Network;

/// <summary>A profiled forward split by operator type and, for convolutions, by class with their GFLOP/s.</summary>
/// <param name="ProfiledRuns">Steady runs the profile covers (per-forward figures are averages over them).</param>
/// <param name="KernelSecondsPerForward">Every node's kernel time in one forward.</param>
/// <param name="Operators">By operator type, slowest first; shares are of <paramref name="KernelSecondsPerForward"/>.</param>
/// <param name="ConvolutionClasses">By convolution class, slowest first; shares are of the convolutions' time.</param>
internal sealed record ProfileSummary(int ProfiledRuns, double KernelSecondsPerForward, IReadOnlyList<OperatorShare> Operators, IReadOnlyList<OperatorShare> ConvolutionClasses)
{
    public double ConvolutionSecondsPerForward => ConvolutionClasses.Sum(c => c.SecondsPerForward);

    public double ConvolutionGflopPerForward => ConvolutionClasses.Sum(c => c.GflopPerForward);

    public double ConvolutionGflopPerSecond => ConvolutionSecondsPerForward > 0 ? ConvolutionGflopPerForward / ConvolutionSecondsPerForward : 0;

    public static ProfileSummary From(IReadOnlyList<ProfiledNode> nodes, int runs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(runs);
        double total = nodes.Sum(n => n.Microseconds) * 1e-6 / runs;
        OperatorShare[] operators = [.. nodes
            .GroupBy(n => n.OperatorType)
            .Select(g => Share(g.Key, g.ToList(), runs, total, flops: 0))
            .OrderByDescending(s => s.SecondsPerForward)];

        List<ProfiledNode> convolutions = [.. nodes.Where(ConvolutionFlops.IsConvolution)];
        double convolutionTotal = convolutions.Sum(n => n.Microseconds) * 1e-6 / runs;
        OperatorShare[] classes = [.. convolutions
            .GroupBy(ConvolutionFlops.ClassOf)
            .Select(g => Share(g.Key, g.ToList(), runs, convolutionTotal, g.Sum(ConvolutionFlops.Of)))
            .OrderByDescending(s => s.SecondsPerForward)];
        return new ProfileSummary(runs, total, operators, classes);
    }

    private static OperatorShare Share(string name, List<ProfiledNode> nodes, int runs, double total, double flops)
    {
        double seconds = nodes.Sum(n => n.Microseconds) * 1e-6 / runs;
        return new OperatorShare(name, nodes.Count / (double)runs, seconds, total > 0 ? seconds / total : 0, flops * 1e-9 / runs);
    }
}
