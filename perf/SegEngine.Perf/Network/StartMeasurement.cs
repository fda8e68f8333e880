using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Inference;
using SegEngine.Pipeline;

namespace SegEngine.Perf.Network;

/// <summary>
/// The start as a new user meets it, measured first in the process: no memory record beside the model, the engine's
/// network opened (graph estimate, session created, nothing run), the first random tile through it (which measures and
/// records ORT's working memory), two more tiles; then <c>SegModel.Load</c> without and with the record, and the model's hash.
/// </summary>
/// <param name="ProcessStartToFirstTileSeconds">From the process's start time to the first tile entering <c>Run</c>.</param>
/// <param name="OpenSeconds"><c>OrtTileNetwork.Open</c> with no record: graph read and estimated, session created.</param>
/// <param name="EstimatedBytesPerTile">The graph's estimate of ORT's working memory per tile.</param>
/// <param name="MeasuredBytesPerTile">The first tile's working-set growth, as recorded.</param>
/// <param name="RunSeconds">The three tiles' forwards, in order.</param>
/// <param name="LaterGrowthBytes">Working-set growth over the second and third tiles (memory the first did not take).</param>
/// <param name="ColdLoadSeconds"><c>SegModel.Load</c> with no record (what <c>seg_model_open</c> runs).</param>
/// <param name="RecordedLoadSeconds"><c>SegModel.Load</c> with the record beside the model.</param>
/// <param name="HashSeconds">SHA-256 of the ONNX file (the record's key; paid after the first tile, once per model file).</param>
internal sealed record StartMeasurement(
    double ProcessStartToFirstTileSeconds,
    double OpenSeconds,
    long EstimatedBytesPerTile,
    long MeasuredBytesPerTile,
    IReadOnlyList<double> RunSeconds,
    long LaterGrowthBytes,
    double ColdLoadSeconds,
    double RecordedLoadSeconds,
    double HashSeconds)
{
    public static StartMeasurement Measure(BenchmarkedModel model, Action<string> log)
    {
        ForgetRecord(model);
        var options = new InferenceOptions { Device = InferenceDevice.Cpu };
        long start = Stopwatch.GetTimestamp();
        using OrtTileNetwork network = OrtTileNetwork.Open(model.Signature, options);
        double open = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long estimate = network.WorkingBytesPerTile;
        ITileNetwork tiles = network;
        var random = new Random(1);
        Span<float> input = tiles.InputBuffer(1);
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        double toFirstTile = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalSeconds;
        var runs = new List<double>();
        long afterFirst = 0;
        for (int i = 0; i < 3; i++)
        {
            long runStart = Stopwatch.GetTimestamp();
            tiles.Run(1);
            runs.Add(Stopwatch.GetElapsedTime(runStart).TotalSeconds);
            afterFirst = i == 0 ? Environment.WorkingSet : afterFirst;
            log($"network: engine tile {i + 1}/3 {runs[^1]:F2} s");
        }

        long laterGrowth = Environment.WorkingSet - afterFirst;
        long measured = network.WorkingBytesPerTile;
        log($"network: start to first tile {toFirstTile:F2} s (open {open:F2} s); working memory estimated {estimate / 1e9:F3} GB, measured {measured / 1e9:F3} GB");

        ForgetRecord(model);
        double cold = TimeLoad(model);
        // The cold load ran no tile, so nothing was recorded: put the measured record back for the recorded load.
        using (SessionOptions sessionOptions = OrtSessionOptions.Create(options, out _))
        {
            NetworkMemoryRecord.Measured(model.OnnxPath, NetworkMemoryRecord.SettingsOf(sessionOptions), measured).TryWrite(model.OnnxPath);
        }

        double recorded = TimeLoad(model);
        long hashStart = Stopwatch.GetTimestamp();
        using (FileStream file = File.OpenRead(model.OnnxPath))
        {
            SHA256.HashData(file);
        }

        double hash = Stopwatch.GetElapsedTime(hashStart).TotalSeconds;
        log($"network: SegModel.Load {cold:F2} s without a record, {recorded:F2} s with it; SHA-256 of the ONNX {hash:F2} s");
        return new StartMeasurement(toFirstTile, open, estimate, measured, runs, laterGrowth, cold, recorded, hash);
    }

    private static double TimeLoad(BenchmarkedModel model)
    {
        long start = Stopwatch.GetTimestamp();
        using (SegModel.Load(model.Folder, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu } }))
        {
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static void ForgetRecord(BenchmarkedModel model) => File.Delete(NetworkMemoryRecord.PathBeside(model.OnnxPath));
}
