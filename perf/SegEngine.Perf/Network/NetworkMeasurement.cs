using System.Diagnostics;
using SegEngine.Inference;
using SegEngine.Perf.Common;
using SegEngine.Pipeline;

namespace SegEngine.Perf.Network;

/// <summary>
/// The measurements of <c>perf/run network</c>, one after the other so that none shares the cores with another: the
/// engine's start with no memory record and its first tiles, model loads, a bare session's creation, first and steady
/// forwards, the FMA peak, a profiled session, then the settings trials when asked.
/// </summary>
internal static class NetworkMeasurement
{
    public static NetworkResult Measure(string modelFolder, int runs, int profiledRuns, bool trials, Action<string> log)
    {
        string loadAverage = File.ReadAllText("/proc/loadavg").Trim();
        BenchmarkedModel model = BenchmarkedModel.Open(modelFolder);
        log($"network: {model.Folder}, {model.ParameterCount:N0} parameters, patch {string.Join('×', model.Signature.PatchSize)}");

        StartMeasurement start = StartMeasurement.Measure(model, log);
        SettingsTrial engine = SettingsTrial.Run(model, "engine settings (memory pattern off, 2 threads, spinning on)", 1, 1 + runs, null, log);
        long peak = ResidentMemory.Peak();
        FmaPeak fma = FmaPeak.Measure();
        log($"network: FMA peak {fma.SingleThread:F1} GFLOP/s on one thread, {fma.AllThreads:F1} on {fma.Threads} (Vector{fma.Width})");
        ProfileSummary profile = Profile(model, profiledRuns, log);
        IReadOnlyList<SettingsTrial> tried = trials ? SettingsTrial.RunAll(model, log) : [];
        return new NetworkResult(
            MachineInfo.Current(), DateTime.UtcNow, loadAverage, model.Folder, model.Signature.PatchSize, model.Signature.InputChannels,
            model.Signature.HeadCount, model.ParameterCount, model.ConversionSeconds, start, engine, tried, peak, fma, profile);
    }

    /// <summary>A profiled session: one warm-up forward, then <paramref name="runs"/> forwards that the summary covers.</summary>
    private static ProfileSummary Profile(BenchmarkedModel model, int runs, Action<string> log)
    {
        string folder = Directory.CreateTempSubdirectory("segengine-network-profile-").FullName;
        try
        {
            string trace;
            using (TileSession session = TileSession.Open(model, Path.Combine(folder, "ort")))
            {
                for (int i = 0; i <= runs; i++)
                {
                    session.Run();
                }

                trace = session.EndProfiling();
            }

            (IReadOnlyList<ProfiledNode> nodes, int profiled) = ProfileTrace.ReadSteadyRuns(trace);
            log($"network: profiled {profiled} forward(s), {nodes.Count} kernel events");
            return ProfileSummary.From(nodes, profiled);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
