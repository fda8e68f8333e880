using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SegEngine.Perf.Common;
using SegEngine.Pipeline;

namespace SegEngine.Perf.Scale;

/// <summary>One prediction point: measured, or why not.</summary>
/// <param name="NnUNetBytes">nnU-Net's theoretical peak for the same case (<see cref="NnUNetReferenceMemory.TotalBytes"/>).</param>
/// <param name="SharedWith">The series whose identical point was reused instead of measuring it twice, if any.</param>
internal sealed record PredictionResult(int Classes, int Slices, PredictionMeasurement? Measured, long NnUNetBytes, string? Failure, string? SharedWith = null);

/// <summary>One export point: measured, or why not.</summary>
/// <param name="SlabDepth">Input slices per call of the exporter; 0 for the whole volume at once.</param>
/// <param name="NnUNetWorkerBytes">nnU-Net's export worker for the same grids (<see cref="NnUNetReferenceMemory.WorkerBytes"/>).</param>
internal sealed record ExportResult(int Classes, int SlabDepth, ExportMeasurement? Measured, long NnUNetWorkerBytes, string? Failure);

/// <summary>Everything one <c>scale</c> run produced; written as scale.json.</summary>
internal sealed record ScaleResults(
    DateTimeOffset Date,
    MachineInfo Machine,
    string Network,
    string Settings,
    bool Quick,
    double TotalSeconds,
    IReadOnlyList<PredictionResult> ClassSeries,
    IReadOnlyList<PredictionResult> LengthSeries,
    IReadOnlyList<PredictionResult> RealisticSeries,
    string RealisticCase,
    IReadOnlyList<ExportResult> ExportSeries);

/// <summary>
/// <c>scale [--out DIR] [--classes 2,14,64,118] [--lengths 250,500,1000] [--realistic-classes 2,14,40,118]
/// [--series class,length,realistic,export] [--quick] [--keep]</c>: host memory and time against the class count K and the
/// volume length N, and on a realistic CT that is resampled both ways, each point one prediction in a fresh process, plus
/// the fused export's own memory against K. Models and volumes are generated in a temporary folder and deleted afterwards.
/// </summary>
internal static class ScaleBenchmark
{
    public const string Command = "scale";

    private const int Seed = 1;

    public static int Run(string[] args)
    {
        ScaleOptions? options = ScaleOptions.Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine(
                "usage: SegEngine.Perf scale [--out DIR] [--classes 2,14,64,118] [--lengths 250,500,1000] [--realistic-classes 2,14,40,118] "
                + "[--series class,length,realistic,export] [--quick] [--keep]");
            return PerfExit.Usage;
        }

        NnUNetReferenceMemory.CheckWorkedExample();
        var clock = Stopwatch.StartNew();
        string work = Directory.CreateTempSubdirectory("segengine-scale-").FullName;
        Console.Error.WriteLine($"scale: working in {work}");
        try
        {
            var inputs = new ScaleInputs(work);
            bool Runs(string series) => options.Series.Contains(series);
            (float, float, float) onPlan = ((float)TinyResEncPlans.SpacingMm, (float)TinyResEncPlans.SpacingMm, (float)TinyResEncPlans.SpacingMm);
            Shape3 ClassShape() => new(options.ClassSeriesLength, options.InPlane, options.InPlane);
            List<PredictionResult> classSeries = Runs("class") ? [.. options.Classes.Select(k => Predict(inputs, k, ClassShape(), onPlan))] : [];
            List<PredictionResult> lengthSeries = !Runs("length") ? [] : [.. options.Lengths.Select(n =>
                classSeries.FirstOrDefault(p => p.Classes == ScaleOptions.LengthSeriesClasses && p.Slices == n) is PredictionResult shared
                    ? shared with { SharedWith = "class series" }
                    : Predict(inputs, ScaleOptions.LengthSeriesClasses, new Shape3(n, options.InPlane, options.InPlane), onPlan))];
            List<PredictionResult> realisticSeries = Runs("realistic")
                ? [.. options.RealisticClasses.Select(k => Predict(inputs, k, options.RealisticShape, options.RealisticSpacing))]
                : [];
            List<ExportResult> exportSeries = !Runs("export") ? [] : [.. new[] { 0, options.ExportSlabDepth }.SelectMany(slab => options.Classes.Select(k => Export(work, options, k, slab)))];
            (float z, float y, float x) = options.RealisticSpacing;
            Shape3 r = options.RealisticShape;

            var results = new ScaleResults(
                DateTimeOffset.Now,
                MachineInfo.Current(),
                TinyResEncPlans.NetworkDescription,
                "CPU, ORT threads = cores, 1 fold, no mirroring (TTA off), step 0.5, no probabilities",
                options.Quick,
                clock.Elapsed.TotalSeconds,
                classSeries,
                lengthSeries,
                realisticSeries,
                FormattableString.Invariant($"{r.X}×{r.Y}×{r.Z} at {x}×{y}×{z} mm"),
                exportSeries);
            Directory.CreateDirectory(options.OutputDirectory);
            File.WriteAllText(
                Path.Combine(options.OutputDirectory, "scale.json"),
                JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
            ScaleReport.Write(results, options.OutputDirectory);
            Console.Error.WriteLine($"scale: wrote {options.OutputDirectory}/scale.{{json,md,png}} and scale-length.png in {clock.Elapsed.TotalMinutes:F1} min");
            return classSeries.Concat(lengthSeries).Concat(realisticSeries).Any(p => p.Failure is not null) || exportSeries.Any(p => p.Failure is not null)
                ? PerfExit.Failed
                : PerfExit.Success;
        }
        finally
        {
            if (options.Keep)
            {
                Console.Error.WriteLine($"scale: kept {work}");
            }
            else
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static PredictionResult Predict(ScaleInputs inputs, int classes, Shape3 shape, (float Z, float Y, float X) spacing)
    {
        string model = inputs.Model(classes);
        string image = inputs.Volume(shape, spacing);
        string output = Path.Combine(inputs.Folder, "prediction.nii.gz");
        string result = Path.Combine(inputs.Folder, "prediction.json");
        string? failure = RunChild(
            PredictionPoint.Command,
            model,
            image,
            output,
            result,
            string.Create(CultureInfo.InvariantCulture, $"{shape.Z},{shape.Y},{shape.X}"),
            string.Create(CultureInfo.InvariantCulture, $"{spacing.Z},{spacing.Y},{spacing.X}"));
        PredictionMeasurement? measured = failure is null ? JsonSerializer.Deserialize<PredictionMeasurement>(File.ReadAllText(result)) : null;
        File.Delete(output);

        // No zero border, so N_crop = N_orig; N_pre is the image on the plan's grid.
        double[] mm = [spacing.Z, spacing.Y, spacing.X];
        long preprocessed = (long)Math.Round(mm.Select((s, a) => Math.Round(s / TinyResEncPlans.SpacingMm * shape[a], MidpointRounding.ToEven)).Aggregate(1.0, (p, n) => p * n));
        long theoretical = NnUNetReferenceMemory.TotalBytes(classes, preprocessed, shape.Voxels, shape.Voxels);
        Console.Error.WriteLine(measured is null
            ? $"scale: K={classes} {shape}: failed ({failure})"
            : string.Create(
                CultureInfo.InvariantCulture,
                $"scale: K={classes} {shape}: peak {measured.PeakRssBytes / 1048576.0:F0} MiB, planned peak {measured.PlannedPeakBytes / 1048576.0:F0} MiB, {measured.WallSeconds:F1} s (ORT {measured.NetworkSeconds:F1} s, aggregation {measured.Timings.Aggregation:F1} s, export {measured.Timings.Export:F1} s)"));
        return new PredictionResult(classes, shape.Z, measured, theoretical, failure);
    }

    private static ExportResult Export(string work, ScaleOptions options, int classes, int slabDepth)
    {
        int[] pre = options.ExportGrid;
        int[] original = [.. pre.Select(size => 2 * size)];
        string result = Path.Combine(work, "export.json");
        string? failure = RunChild(ExportMemoryPoint.Command, classes.ToString(CultureInfo.InvariantCulture), string.Join(',', pre), string.Join(',', original), slabDepth.ToString(CultureInfo.InvariantCulture), result);
        ExportMeasurement? measured = failure is null ? JsonSerializer.Deserialize<ExportMeasurement>(File.ReadAllText(result)) : null;
        long preVoxels = (long)pre[0] * pre[1] * pre[2];
        long originalVoxels = (long)original[0] * original[1] * original[2];
        Console.Error.WriteLine(measured is null
            ? $"scale: export K={classes} slab {slabDepth}: failed ({failure})"
            : string.Create(CultureInfo.InvariantCulture, $"scale: export K={classes} slab {slabDepth}: own memory {measured.ExportBytes / 1048576.0:F0} MiB, {measured.Seconds:F1} s"));
        return new ExportResult(classes, slabDepth, measured, NnUNetReferenceMemory.WorkerBytes(classes, preVoxels, originalVoxels, originalVoxels), failure);
    }

    /// <summary>
    /// Runs this harness again with <paramref name="args"/> in a fresh process, passing its stderr through; returns null on
    /// success, else why it failed (the child's unhandled exception line when there is one).
    /// </summary>
    private static string? RunChild(params string[] args)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("the harness's own executable is unknown");
        var start = new ProcessStartInfo(host) { UseShellExecute = false, RedirectStandardError = true };

        // Run as "dotnet SegEngine.Perf.dll": the child needs the assembly path; the apphost needs none.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ScaleBenchmark).Assembly.Location);
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        string? exception = null;
        while (child.StandardError.ReadLine() is string line)
        {
            Console.Error.WriteLine("  " + line);
            if (exception is null && line.StartsWith("Unhandled exception. ", StringComparison.Ordinal))
            {
                exception = line["Unhandled exception. ".Length..];
            }
        }

        child.WaitForExit();
        return child.ExitCode switch
        {
            0 => null,
            137 => "killed (exit code 137), most likely out of memory",
            int code => exception ?? $"exit code {code}",
        };
    }

    /// <summary>The generated models (one per K) and volumes (one per shape), each made on first use.</summary>
    private sealed class ScaleInputs
    {
        private readonly string plansPath;
        private readonly Dictionary<int, string> models = [];
        private readonly Dictionary<(Shape3, (float, float, float)), string> volumes = [];

        public ScaleInputs(string folder)
        {
            Folder = folder;
            plansPath = Path.Combine(folder, "plans.json");
            TinyResEncPlans.Write(plansPath);
        }

        public string Folder { get; }

        public string Model(int classes)
        {
            if (!models.TryGetValue(classes, out string? folder))
            {
                folder = Path.Combine(Folder, $"model_K{classes}");
                SyntheticModelFolder.Create(new SyntheticModelRequest(plansPath, TinyResEncPlans.Configuration, classes, Seed, folder, CheckpointWeights: false));
                models[classes] = folder;
            }

            return folder;
        }

        public string Volume(Shape3 shape, (float Z, float Y, float X) spacing)
        {
            if (!volumes.TryGetValue((shape, spacing), out string? path))
            {
                path = Path.Combine(Folder, FormattableString.Invariant($"ct_{shape.Z}x{shape.Y}x{shape.X}_{spacing.Z}x{spacing.Y}x{spacing.X}_0000.nii"));
                SyntheticCtNifti.Write(path, shape, spacing);
                volumes[(shape, spacing)] = path;
            }

            return path;
        }
    }
}
