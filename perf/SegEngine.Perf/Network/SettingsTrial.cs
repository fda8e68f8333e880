using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Perf.Network;

/// <summary>
/// One change to the engine's CPU session settings, tried on a fresh session: its forwards in order and the working-set
/// growth over the first one and over the rest (memory a later run takes that the first did not).
/// </summary>
/// <param name="Name">What was changed.</param>
/// <param name="Batch">Tiles per run (mirror passes batched: ORT shares no work across them, but larger GEMMs may use the cores better).</param>
/// <param name="RunSeconds">Each forward's wall time, first included.</param>
internal sealed record SettingsTrial(string Name, int Batch, double CreationSeconds, IReadOnlyList<double> RunSeconds, long FirstRunGrowthBytes, long LaterGrowthBytes)
{
    /// <summary>Seconds per tile at the last (warm) run.</summary>
    public double SecondsPerTile => RunSeconds[^1] / Batch;

    /// <summary>The trials <c>perf/run network</c> makes after measuring the engine's own settings.</summary>
    public static IReadOnlyList<SettingsTrial> RunAll(BenchmarkedModel model, Action<string> log) =>
    [
        Run(model, "memory pattern on (the engine's setting before)", 1, 3, o => o.EnableMemoryPattern = true, log),
        Run(model, "intra-op spinning off (`session.intra_op.allow_spinning` 0)", 1, 2, o => o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"), log),
        Run(model, "1 intra-op thread", 1, 2, o => o.IntraOpNumThreads = 1, log),
        Run(model, "2 tiles per run (two mirror passes as one batch)", 2, 2, null, log),
    ];

    /// <summary>A fresh session with <paramref name="configure"/> applied to the engine's settings, <paramref name="runs"/> forwards.</summary>
    public static SettingsTrial Run(BenchmarkedModel model, string name, int batch, int runs, Action<SessionOptions>? configure, Action<string> log)
    {
        using TileSession session = TileSession.Open(model, configure: configure, batch: batch);
        var seconds = new List<double>(runs);
        long before = Environment.WorkingSet;
        long afterFirst = 0;
        for (int i = 0; i < runs; i++)
        {
            seconds.Add(session.Run());
            afterFirst = i == 0 ? Environment.WorkingSet : afterFirst;
            log($"network: {name}: forward {i + 1}/{runs} {seconds[^1]:F2} s");
        }

        return new SettingsTrial(name, batch, session.CreationSeconds, seconds, afterFirst - before, Environment.WorkingSet - afterFirst);
    }
}
