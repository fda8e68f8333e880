using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SegEngine.Inference;
using SegEngine.Perf.Common;
using SegEngine.Pipeline;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Perf.Scale;

/// <summary>One planned item of <see cref="MemoryPlan.Items"/> and the stages that hold it.</summary>
internal sealed record PlannedItem(string Item, long Bytes, MemoryStages Stages);

/// <summary>What one prediction in its own process measured.</summary>
/// <param name="Shape">Image z, y, x.</param>
/// <param name="Spacing">Image spacing z, y, x in mm.</param>
/// <param name="Classes">Network heads K.</param>
/// <param name="RssAfterLoadBytes">VmRSS right after <see cref="SegModel.Load"/>: the baseline the plan is added to.</param>
/// <param name="PeakRssBytes">The process's peak RSS (VmHWM) over load and prediction.</param>
/// <param name="StagePeakRssBytes">Peak RSS within each stage (<see cref="SegStage"/> names, and "Load"), VmHWM being reset at every stage start.</param>
/// <param name="PlannedBytes"><see cref="MemoryPlan.TotalBytes"/> of <see cref="SegModel.PlanMemory"/>.</param>
/// <param name="WarmedUpBytes"><see cref="MemoryPlan.WarmedUpBytes"/>: the part of the plan the load already made resident.</param>
/// <param name="PlanItems"><see cref="MemoryPlan.Items"/>.</param>
/// <param name="BatchSize">Tiles per network run the plan chose.</param>
/// <param name="Tiles">Sliding-window tiles of the case.</param>
/// <param name="NetworkSeconds"><see cref="SegModel.NetworkTime"/> over the prediction: time inside ORT's Run.</param>
/// <param name="Timings">The stages' seconds as <see cref="SegModel.PredictFile(IReadOnlyList{string}, string, string?, string?, CancellationToken)"/> returned them.</param>
/// <param name="WallSeconds">PredictFile's wall time, measured around the call.</param>
internal sealed record PredictionMeasurement(
    int[] Shape,
    double[] Spacing,
    int Classes,
    long RssAfterLoadBytes,
    long PeakRssBytes,
    IReadOnlyDictionary<string, long> StagePeakRssBytes,
    long PlannedBytes,
    long WarmedUpBytes,
    IReadOnlyList<PlannedItem> PlanItems,
    int BatchSize,
    int Tiles,
    double NetworkSeconds,
    StageSeconds Timings,
    double WallSeconds)
{
    /// <summary>What the plan says the process will peak at (<see cref="MemoryPlan.WarmedUpBytes"/>' definition).</summary>
    public long PlannedPeakBytes => RssAfterLoadBytes + PlannedBytes - WarmedUpBytes;

    public double PeakOverPlan => PeakRssBytes / (double)PlannedPeakBytes;
}

/// <summary>A serialisable copy of <see cref="CaseTimings"/>.</summary>
internal sealed record StageSeconds(double Read, double Preprocess, double Network, double Aggregation, double Export, double Write, double Total)
{
    public static StageSeconds From(CaseTimings timings) => new(
        timings.Read, timings.Preprocess, timings.Network, timings.Aggregation, timings.Export, timings.Write, timings.Total);
}

/// <summary>
/// <c>scale-point MODEL IMAGE OUTPUT RESULT z,y,x SPACING</c> (SPACING in mm: one for every axis, or z,y,x) (hidden, run by <c>scale</c> in a fresh process so that
/// every peak starts from an empty heap): loads the model as users do, predicts one file on the CPU (one fold, no
/// mirroring, step 0.5) and writes a <see cref="PredictionMeasurement"/> as JSON to RESULT.
/// </summary>
internal static class PredictionPoint
{
    public const string Command = "scale-point";

    public static int Run(string[] args)
    {
        if (args.Length != 6)
        {
            Console.Error.WriteLine($"usage: SegEngine.Perf {Command} MODEL IMAGE OUTPUT RESULT z,y,x SPACING");
            return PerfExit.Usage;
        }

        (string model, string image, string output, string result) = (args[0], args[1], args[2], args[3]);
        int[] shape = ScaleOptions.ParseList(args[4]);
        double[] spacing = [.. args[5].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture))];
        spacing = spacing.Length == 1 ? [spacing[0], spacing[0], spacing[0]] : spacing;
        var options = new SegModelOptions
        {
            Folds = ["0"],
            Inference = new InferenceOptions
            {
                Device = InferenceDevice.Cpu,
                UseMirroring = false,
                StepSize = 0.5,
                Warning = message => Console.Error.WriteLine("warning: " + message),
            },
        };

        using SegModel segModel = SegModel.Load(model, options);
        long afterLoad = ResidentMemory.Current();
        var imageShape = new Shape3(shape[0], shape[1], shape[2]);
        MemoryPlan plan = segModel.PlanMemory(imageShape, spacing);
        TimeSpan networkBefore = segModel.NetworkTime;
        var stagePeaks = new StagePeaks();
        long start = Stopwatch.GetTimestamp();
        CaseTimings timings = segModel.PredictFile([image], output, probabilitiesFile: null, previousStageFile: null, stagePeaks);
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        stagePeaks.Finish();
        var measurement = new PredictionMeasurement(
            shape,
            spacing,
            segModel.Folder.Network.HeadCount,
            afterLoad,
            stagePeaks.Peaks.Values.Max(),
            stagePeaks.Peaks,
            plan.TotalBytes,
            plan.WarmedUpBytes,
            [.. plan.Items.Select(i => new PlannedItem(i.Item, i.Bytes, i.Stages))],
            plan.BatchSize,

            // The plans' transposes are the identity, so the network's grid is the image resampled to the plan's spacing.
            segModel.TileCount(ResamplingPlan.ComputeNewShape(imageShape, spacing, [TinyResEncPlans.SpacingMm, TinyResEncPlans.SpacingMm, TinyResEncPlans.SpacingMm])),
            (segModel.NetworkTime - networkBefore).TotalSeconds,
            StageSeconds.From(timings),
            wall);
        File.WriteAllText(result, JsonSerializer.Serialize(measurement));
        return PerfExit.Success;
    }
}

/// <summary>
/// Peak RSS per stage: on each stage's start, the high-water mark so far is the previous stage's (or the load's) peak,
/// and it is reset to the current RSS. The pipeline reports synchronously on its own thread, so the boundaries are exact.
/// </summary>
internal sealed class StagePeaks : IProgress<SegProgress>
{
    private const string Load = "Load";

    private string current = Load;

    public Dictionary<string, long> Peaks { get; } = [];

    public void Report(SegProgress value)
    {
        string stage = value.Stage.ToString();
        if (stage != current)
        {
            Close();
            current = stage;
        }
    }

    /// <summary>Records the last stage's peak.</summary>
    public void Finish() => Close();

    private void Close()
    {
        Peaks[current] = ResidentMemory.Peak();
        ResidentPeak.Reset();
    }
}
