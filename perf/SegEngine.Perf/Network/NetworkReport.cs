using System.Globalization;
using System.Text;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Network;

/// <summary>network.md: the timings, the per-operator split, the convolution classes against the FMA peak.</summary>
internal static class NetworkReport
{
    private const int ClassRows = 20;

    public static string Markdown(NetworkResult r, string command)
    {
        ProfileSummary p = r.Profile;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"### Network: {Path.GetFileName(r.ModelFolder)}").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{r.Date:yyyy-MM-dd HH:mm} UTC, {r.Machine}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Command: `{command}`. Load average before the run: {r.LoadAverage} (above {r.Machine.Cores} the cores were shared with other work and every time here is inflated).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Model: `{r.ModelFolder}`, {r.ParameterCount / 1e6:F1} M parameters, {r.InputChannels} input channel(s), {r.Heads} heads, patch {string.Join('×', r.PatchSize)}, CPU, batch 1.").AppendLine();

        var timings = new MarkdownTable("measure", "value");
        if (r.ConversionSeconds > 0)
        {
            timings.Add("checkpoint → ONNX conversion (the fold had no ONNX; before the load below)", Seconds(r.ConversionSeconds));
        }

        StartMeasurement start = r.Start;
        timings.Add("process start → first tile entering `Run` (no memory record: folder read, graph estimated, session created)", Seconds(start.ProcessStartToFirstTileSeconds))
            .Add("`OrtTileNetwork.Open` with no record (graph read and estimated, session created, nothing run)", Seconds(start.OpenSeconds))
            .Add("`SegModel.Load` with no record (what `seg_model_open` runs; no forward)", Seconds(start.ColdLoadSeconds))
            .Add("`SegModel.Load` with the record beside the model", Seconds(start.RecordedLoadSeconds))
            .Add("SHA-256 of the ONNX (the record's key; after the first tile, once per model file)", Seconds(start.HashSeconds))
            .Add("engine's first three tiles (first measures and records ORT's working memory)", string.Join(", ", start.RunSeconds.Select(Seconds)))
            .Add("ORT working memory per tile: graph estimate", Mib(start.EstimatedBytesPerTile))
            .Add("ORT working memory per tile: measured on the first tile (working-set growth)", Mib(start.MeasuredBytesPerTile))
            .Add("estimate / measured", FormattableString.Invariant($"{start.EstimatedBytesPerTile / (double)start.MeasuredBytesPerTile:F3}"))
            .Add("working-set growth over tiles 2 and 3", Mib(start.LaterGrowthBytes))
            .Add("session creation alone (`new InferenceSession`, engine CPU settings)", Seconds(r.SessionCreationSeconds))
            .Add("first forward of a new session (random tile)", Seconds(r.FirstRunSeconds))
            .Add("session creation + first forward (start to first tile, model folder already read)", Seconds(r.SessionCreationSeconds + r.FirstRunSeconds))
            .Add(FormattableString.Invariant($"steady forward, median of {r.SteadyRunSeconds.Count}"), Seconds(r.MedianSeconds))
            .Add(FormattableString.Invariant($"steady forward, min of {r.SteadyRunSeconds.Count}"), Seconds(r.MinSeconds))
            .Add("peak resident set (VmHWM) after load and forwards", Mib(r.PeakResidentBytes))
            .Add(FormattableString.Invariant($"FMA peak, 1 thread (Vector{r.Fma.Width})"), Gflops(r.Fma.SingleThread))
            .Add(FormattableString.Invariant($"FMA peak, {r.Fma.Threads} threads (Vector{r.Fma.Width})"), Gflops(r.Fma.AllThreads))
            .Add("convolutions (profiled), all classes", Gflops(p.ConvolutionGflopPerSecond))
            .Add("convolutions against the all-threads FMA peak", Percent(r.ConvolutionShareOfPeak));
        md.Append(timings).AppendLine();
        if (r.Fma.Threads > 1 && r.Fma.AllThreads < 1.5 * r.Fma.SingleThread)
        {
            md.AppendLine("**The all-threads FMA peak is barely above one thread's: other work held cores while it ran, so the shares of peak below are overstated.**").AppendLine();
        }

        if (r.Trials.Count > 0)
        {
            md.AppendLine("#### Session settings tried (each on a fresh session, same random tile; the engine's settings first)").AppendLine();
            var trials = new MarkdownTable("settings", "tiles / run", "forwards (s, in order)", "s / tile, last run", "vs engine", "growth over run 1", "growth over later runs");
            foreach (SettingsTrial t in r.Trials.Prepend(r.Engine))
            {
                trials.Add(
                    t.Name, Count(t.Batch), string.Join(", ", t.RunSeconds.Select(Number)), Number(t.SecondsPerTile),
                    FormattableString.Invariant($"{t.SecondsPerTile / r.Engine.SecondsPerTile:F2}"), Mib(t.FirstRunGrowthBytes), Mib(t.LaterGrowthBytes));
            }

            md.Append(trials).AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"#### Time by operator type (ORT profiler, mean of {p.ProfiledRuns} steady forward(s) after a warm-up)").AppendLine();
        var operators = new MarkdownTable("operator", "nodes", "s / forward", "share");
        foreach (OperatorShare o in p.Operators)
        {
            operators.Add(o.Name, Count(o.NodesPerForward), Number(o.SecondsPerForward), Percent(o.Share));
        }

        operators.Add("all kernels", Count(p.Operators.Sum(o => o.NodesPerForward)), Number(p.KernelSecondsPerForward), Percent(1));
        md.Append(operators).AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Kernel time sums the nodes' own time in the profiled session; the profiler's own cost is in it, so it may exceed the unprofiled forward ({Seconds(r.MedianSeconds)} median). Shares are the figures to compare.").AppendLine();

        md.AppendLine("#### Convolution classes (kernel, stride, channels in→out, output size)").AppendLine();
        var classes = new MarkdownTable("class", "nodes", "s / forward", "share of conv", "GFLOP / forward", "GFLOP/s", "of FMA peak");
        foreach (OperatorShare c in p.ConvolutionClasses.Take(ClassRows))
        {
            classes.Add(c.Name, Count(c.NodesPerForward), Number(c.SecondsPerForward), Percent(c.Share), Number(c.GflopPerForward), Rate(c.GflopPerSecond), Percent(c.GflopPerSecond / r.Fma.AllThreads));
        }

        classes.Add("all convolutions", Count(p.ConvolutionClasses.Sum(c => c.NodesPerForward)), Number(p.ConvolutionSecondsPerForward), Percent(1), Number(p.ConvolutionGflopPerForward), Rate(p.ConvolutionGflopPerSecond), Percent(r.ConvolutionShareOfPeak));
        md.Append(classes).AppendLine();
        if (p.ConvolutionClasses.Count > ClassRows)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"The {p.ConvolutionClasses.Count - ClassRows} smaller classes are in network.json.").AppendLine();
        }

        md.AppendLine("""
            FLOPs are 2 × Cout × Cin/groups × kernel volume per output voxel (ConvTranspose: per input voxel) plus the bias, from
            the shapes in the trace; ORT's FusedConv (Conv + activation) counts as Conv and its activation is not counted.
            Strides are read off input and output sizes. Under ORT's NCHWc layout the channels are those the kernel ran with
            (padded to the block size). The FMA peak is a register-only loop (10 independent accumulators, 2 FLOPs per lane)
            measured in this run; no convolution can reach it, since it also moves data.
            """);
        return md.ToString();
    }

    private static string Mib(long bytes) => FormattableString.Invariant($"{bytes / (double)(1 << 20):F0} MiB");

    private static string Seconds(double s) => FormattableString.Invariant($"{s:F3} s");

    private static string Gflops(double g) => FormattableString.Invariant($"{g:F1} GFLOP/s");

    private static string Number(double v) => FormattableString.Invariant($"{v:F3}");

    private static string Rate(double gflops) => FormattableString.Invariant($"{gflops:F1}");

    private static string Count(double v) => FormattableString.Invariant($"{v:0.#}");

    private static string Percent(double share) => FormattableString.Invariant($"{share * 100:F1} %");
}
