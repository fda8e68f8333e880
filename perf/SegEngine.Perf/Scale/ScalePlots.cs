using ScottPlot;

namespace SegEngine.Perf.Scale;

/// <summary>scale.png (peak memory against K) and scale-length.png (against N): ours measured and planned, nnU-Net's theory.</summary>
internal static class ScalePlots
{
    private const double MiB = 1048576.0;

    public static void Write(ScaleResults results, string directory)
    {
        Save(
            results.ClassSeries,
            p => p.Classes,
            "classes K (background included)",
            $"Peak host memory against class count, 512x512x{results.ClassSeries.FirstOrDefault()?.Slices}",
            Path.Combine(directory, "scale.png"));
        Save(
            results.LengthSeries,
            p => p.Slices,
            "slices N (512x512xN)",
            $"Peak host memory against volume length, K = {ScaleOptions.LengthSeriesClasses}",
            Path.Combine(directory, "scale-length.png"));
    }

    private static void Save(IReadOnlyList<PredictionResult> series, Func<PredictionResult, int> x, string xLabel, string title, string path)
    {
        PredictionResult[] measured = [.. series.Where(p => p.Measured is not null)];
        var plot = new Plot();
        Line(plot, measured, x, p => p.Measured!.PeakRssBytes, "SegEngine measured peak RSS", MarkerShape.FilledCircle);
        Line(plot, measured, x, p => p.Measured!.PlannedPeakBytes, "SegEngine planned peak (RSS after load + plan)", MarkerShape.OpenSquare);
        Line(plot, series, x, p => p.NnUNetBytes, "nnU-Net theoretical (contract 5.1)", MarkerShape.FilledTriangleUp);

        // Log scale: ScottPlot 5 plots log10 of the data and labels the ticks with the powers they stand for.
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = power => $"{Math.Pow(10, power):N0}",
        };
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel("MiB (log scale)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 600);
    }

    private static void Line(Plot plot, IReadOnlyList<PredictionResult> points, Func<PredictionResult, int> x, Func<PredictionResult, long> bytes, string label, MarkerShape marker)
    {
        if (points.Count == 0)
        {
            return;
        }

        var line = plot.Add.Scatter(
            points.Select(p => (double)x(p)).ToArray(),
            points.Select(p => Math.Log10(bytes(p) / MiB)).ToArray());
        line.LegendText = label;
        line.MarkerShape = marker;
        line.MarkerSize = 8;
    }
}
