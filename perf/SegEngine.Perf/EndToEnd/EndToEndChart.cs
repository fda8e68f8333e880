using ScottPlot;

namespace SegEngine.Perf.EndToEnd;

/// <summary>A PNG of the run: one horizontal bar per case, split by stage in the order the case meets them.</summary>
internal static class EndToEndChart
{
    // Queueing is drawn pale so the working stages stand out; the network is the strong colour.
    private static readonly Color[] StageColors =
    [
        Color.FromHex("#8c564b"), Color.FromHex("#ff7f0e"), Color.FromHex("#d9d9d9"), Color.FromHex("#1f77b4"),
        Color.FromHex("#2ca02c"), Color.FromHex("#d62728"), Color.FromHex("#9467bd"),
    ];

    public static void Save(EndToEndResult result, string path)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        for (int row = 0; row < result.Cases.Count; row++)
        {
            double start = 0;
            double[] values = result.Cases[row].Seconds.Values;
            for (int stage = 0; stage < values.Length; stage++)
            {
                bars.Add(new Bar
                {
                    Position = result.Cases.Count - row,
                    ValueBase = start,
                    Value = start + values[stage],
                    FillColor = StageColors[stage],
                    LineWidth = 0,
                });
                start += values[stage];
            }
        }

        ScottPlot.Plottables.BarPlot plotted = plot.Add.Bars(bars);
        plotted.Horizontal = true;
        for (int stage = 0; stage < StageSeconds.Names.Length; stage++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = StageSeconds.Names[stage], FillColor = StageColors[stage] });
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, result.Cases.Count).Select(row => (double)(result.Cases.Count - row))],
            [.. result.Cases.Select(c => c.CaseId)]);
        plot.ShowLegend(Edge.Right);
        plot.Title($"{result.OutsideNetworkShare * 100:F1} % of the batch's {result.BatchSeconds:F1} s outside session.Run");
        plot.XLabel("seconds since the case was admitted (queueing drawn before the network, where it mostly happens)");
        plot.Axes.Margins(left: 0, right: 0.05);
        plot.SavePng(path, 1100, 160 + (90 * result.Cases.Count));
    }
}
