using System.Diagnostics;
using SegEngine.Inference;
using SegEngine.Perf.Common;
using SegEngine.Pipeline;

namespace SegEngine.Perf.Network;

/// <summary>
/// The measurements of <c>perf/run network</c>, one after the other so that none shares the cores with another: the
/// engine's model load, a bare session's creation, first and steady forwards, the FMA peak, then a profiled session.
/// </summary>
internal static class NetworkMeasurement
{
    public static NetworkResult Measure(string modelFolder, int runs, int profiledRuns, Action<string> log)
    {
        string loadAverage = File.ReadAllText("/proc/loadavg").Trim();
        BenchmarkedModel model = BenchmarkedModel.Open(modelFolder);
        log($"network: {model.Folder}, {model.ParameterCount:N0} parameters, patch {string.Join('×', model.Signature.PatchSize)}");

        long start = Stopwatch.GetTimestamp();
        using (SegModel.Load(model.Folder, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu } }))
        {
        }

        double load = Stopwatch.GetElapsedTime(start).TotalSeconds;
        log($"network: SegModel.Load {load:F2} s");

        double creation, first;
        var steady = new List<double>(runs);
        using (TileSession session = TileSession.Open(model))
        {
            creation = session.CreationSeconds;
            first = session.Run();
            log($"network: session created in {creation:F2} s, first forward {first:F2} s");
            for (int i = 0; i < runs; i++)
            {
                steady.Add(session.Run());
                log($"network: forward {i + 1}/{runs} {steady[^1]:F2} s");
            }
        }

        long peak = ResidentMemory.Peak();
        FmaPeak fma = FmaPeak.Measure();
        log($"network: FMA peak {fma.SingleThread:F1} GFLOP/s on one thread, {fma.AllThreads:F1} on {fma.Threads} (Vector{fma.Width})");
        ProfileSummary profile = Profile(model, profiledRuns, log);
        return new NetworkResult(
            MachineInfo.Current(), DateTime.UtcNow, loadAverage, model.Folder, model.Signature.PatchSize, model.Signature.InputChannels,
            model.Signature.HeadCount, model.ParameterCount, model.ConversionSeconds, load, creation, first, steady, peak, fma, profile);
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
