using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SegEngine.Conversion.Onnx.Rewrite;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>
/// Per 3-D convolution class, the original node's time against everything its rewrite runs (the taps' convolutions,
/// the transposes, padding, slices and shape arithmetic, all named after the original node's index), so the rule can
/// be judged class by class. ORT's NCHWc reorders have generated names and are reported apart.
/// </summary>
internal static partial class RewriteJoin
{
    public static string Markdown(string originalOnnx, RewriteVariant original, RewriteVariant rewritten, FmaPeak fma)
    {
        OnnxModelLayout layout;
        using (FileStream stream = File.OpenRead(originalOnnx))
        {
            layout = OnnxModelLayout.Read(stream);
        }

        int runsA = original.Profile.ProfiledRuns, runsB = rewritten.Profile.ProfiledRuns;
        Dictionary<string, ProfiledNode> originalByName = original.ProfiledNodes
            .Where(ConvolutionFlops.IsConvolution)
            .GroupBy(n => n.Name)
            .ToDictionary(g => g.Key, g => g.First());
        Dictionary<string, double> originalSeconds = original.ProfiledNodes
            .GroupBy(n => n.Name)
            .ToDictionary(g => g.Key, g => g.Sum(n => n.Microseconds) * 1e-6 / runsA);
        var rewrittenSeconds = new Dictionary<int, double>();
        double reorders = 0;
        foreach (ProfiledNode node in rewritten.ProfiledNodes)
        {
            Match match = RewrittenIndex().Match(node.Name);
            if (match.Success)
            {
                int index = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                rewrittenSeconds[index] = rewrittenSeconds.GetValueOrDefault(index) + (node.Microseconds * 1e-6 / runsB);
            }
            else if (node.OperatorType is "ReorderInput" or "ReorderOutput")
            {
                reorders += node.Microseconds * 1e-6 / runsB;
            }
        }

        var rows = new Dictionary<string, (int Nodes, double Flops, double Before, double After)>();
        foreach ((int index, double after) in rewrittenSeconds)
        {
            string name = layout.Nodes[index].Name;
            if (!originalByName.TryGetValue(name, out ProfiledNode? node))
            {
                continue;
            }

            string key = ConvolutionFlops.ClassOf(node);
            (int nodes, double flops, double before, double sum) = rows.GetValueOrDefault(key);
            rows[key] = (nodes + 1, flops + ConvolutionFlops.Of(node), before + originalSeconds[name], sum + after);
        }

        var md = new StringBuilder();
        md.AppendLine("#### Rewritten convolutions by 3-D class: the original node against all of its rewrite's nodes (s / forward)").AppendLine();
        var table = new MarkdownTable("class", "nodes", "original", "rewritten", "rewritten / original", "GFLOP/s original", "GFLOP/s rewritten", "of FMA peak rewritten");
        foreach ((string key, (int nodes, double flops, double before, double after)) in rows.OrderByDescending(r => r.Value.Before))
        {
            table.Add(key, nodes.ToString(CultureInfo.InvariantCulture), Number(before), Number(after), Number(after / before),
                Number(flops * 1e-9 / before), Number(flops * 1e-9 / after), FormattableString.Invariant($"{flops * 1e-9 / after / fma.AllThreads * 100:F1} %"));
        }

        double allBefore = rows.Values.Sum(r => r.Before), allAfter = rows.Values.Sum(r => r.After);
        table.Add("all rewritten", rows.Values.Sum(r => r.Nodes).ToString(CultureInfo.InvariantCulture), Number(allBefore), Number(allAfter), Number(allAfter / allBefore), "", "", "");
        md.Append(table).AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"ORT's NCHWc ReorderInput/ReorderOutput nodes (not attributable to one node): {reorders:F3} s / forward in the rewritten graph; with them the rewritten convolutions take {Number(allAfter + reorders)} s against {Number(allBefore)} s.").AppendLine();
        return md.ToString();
    }

    private static string Number(double v) => FormattableString.Invariant($"{v:F3}");

    [GeneratedRegex(@"segengine_rewrite/depth_slices/(\d+)/")]
    private static partial Regex RewrittenIndex();
}
