using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Cli.Batch;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using Spectre.Console;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine predict -i IN -o OUT -m MODEL [...]</c>: segments every case of a folder, with <c>nnUNetv2_predict</c>'s
/// flags where they exist. A failing case is reported and the others still finish; the exit code is 1 if any failed.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var modelArguments = new ModelArguments();
        var input = new Option<string>("-i", "--input") { Description = "Input folder of {case}_{XXXX}{file_ending} files", Required = true };
        var output = new Option<string>("-o", "--output") { Description = "Output folder (created if missing)", Required = true };
        var stepSize = new Option<double>("-step_size", "--step-size") { Description = "Tile step as a fraction of the patch, in (0, 1]", DefaultValueFactory = _ => 0.5 };
        var disableTta = new Option<bool>("--disable_tta", "--disable-tta") { Description = "Turn off mirroring test-time augmentation (about 8x faster in 3-D)" };
        var saveProbabilities = new Option<bool>("--save_probabilities", "--save-probabilities") { Description = "Also write {case}.npz with the probabilities and {case}.json with the properties" };
        var continuePrediction = new Option<bool>("--continue_prediction", "--continue-prediction") { Description = "Skip cases whose outputs already exist" };
        var previousStage = new Option<string?>("-prev_stage_predictions", "--prev-stage-predictions") { Description = "Folder of the previous stage's segmentations (cascade configurations)" };
        var device = new Option<InferenceDevice>("-device", "--device") { Description = "auto (CUDA if available, else CPU), cpu or cuda", DefaultValueFactory = _ => InferenceDevice.Auto };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads on the CPU (0: one per core)" };
        var cuda = new CudaArguments();
        var memoryBudget = new Option<double>("--memory-budget") { Description = "Host memory budget of the inference stage in GB (0: unlimited)" };
        var batchSize = new Option<int>("--batch-size") { Description = "Tiles per network run when the model allows it (0: from the memory plan)" };
        var saveOptimized = new Option<bool>("--save-optimized-model") { Description = "Save ONNX Runtime's optimised graph beside model.onnx and reuse it" };
        var preprocessWorkers = new Option<int?>("-npp", "--preprocess-workers") { Description = "Read + preprocess workers (default: from the core count)" };
        var exportWorkers = new Option<int?>("-nps", "--export-workers") { Description = "Export + write workers (default: from the core count)" };
        var numParts = new Option<int?>("-num_parts", "--num-parts") { Description = "Split the sorted cases into this many parts (default: Slurm array or Kubernetes Indexed Job, else 1)" };
        var partId = new Option<int?>("-part_id", "--part-id") { Description = "Which part this process predicts, in [0, num_parts)" };
        var report = new Option<string?>("--report") { Description = "Write a JSON report: per case stage seconds, shapes, tiles, memory; totals; machine and ORT settings" };

        var command = new Command("predict", "Segment every case of a folder (nnUNetv2_predict's flags).")
        {
            input, output,
        };
        modelArguments.AddTo(command);
        cuda.AddTo(command);
        foreach (Option option in new Option[]
        {
            stepSize, disableTta, saveProbabilities, continuePrediction, previousStage, device, threads, memoryBudget, batchSize,
            saveOptimized, preprocessWorkers, exportWorkers, numParts, partId, report,
        })
        {
            command.Add(option);
        }

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var inference = cuda.Apply(parse, new InferenceOptions
            {
                Device = parse.GetValue(device),
                Threads = parse.GetValue(threads),
                UseMirroring = !parse.GetValue(disableTta),
                StepSize = parse.GetValue(stepSize),
                MemoryBudgetGb = parse.GetValue(memoryBudget),
                BatchSize = parse.GetValue(batchSize),
                SaveOptimizedModel = parse.GetValue(saveOptimized),
                Warning = message => Console.Error.WriteLine($"warning: {message}"),
            });
            try
            {
                inference.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException($"{e.ParamName} {e.ActualValue}: {e.Message.Split(" (Parameter")[0]}");
            }

            ModelFolderOptions folderOptions = modelArguments.FolderOptions(parse);
            var request = new BatchRequest(
                parse.GetRequiredValue(input),
                parse.GetRequiredValue(output),
                parse.GetValue(saveProbabilities),
                parse.GetValue(continuePrediction),
                parse.GetValue(previousStage),
                parse.GetValue(preprocessWorkers),
                parse.GetValue(exportWorkers),
                PartSelection.Resolve(parse.GetValue(numParts), parse.GetValue(partId), Environment.GetEnvironmentVariable),
                parse.GetValue(report),
                modelArguments.ModelPath(parse));
            long loadStart = Stopwatch.GetTimestamp();
            using SegModel model = SegModel.Load(
                modelArguments.ModelPath(parse),
                new SegModelOptions
                {
                    Configuration = folderOptions.Configuration,
                    Folds = folderOptions.Folds,
                    CheckpointName = folderOptions.CheckpointName,
                    Inference = inference,
                });
            return Run(model, request, Stopwatch.GetElapsedTime(loadStart).TotalSeconds);
        }));
        return command;
    }

    private static int Run(SegModel model, BatchRequest request, double modelLoadSeconds)
    {
        DateTimeOffset started = DateTimeOffset.UtcNow;
        string ending = model.FileEnding;
        IReadOnlyList<CaseInput> found = CaseDiscovery.FindCases(request.InputFolder, ending);
        if (found.Count == 0)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{request.InputFolder}: no files named {{case}}_XXXX{ending}");
        }

        bool cascade = model.Folder.Configuration.PreviousStage is not null;
        if (cascade && request.PreviousStageFolder is null)
        {
            throw new UsageException(
                $"configuration '{model.ConfigurationName}' is a cascade stage after '{model.Folder.Configuration.PreviousStage}': give that stage's outputs with -prev_stage_predictions");
        }

        IReadOnlyList<CaseInput> mine = request.Part.Select(found);
        Directory.CreateDirectory(request.OutputFolder);
        int stale = AtomicFile.RemoveStaleTemporaries(request.OutputFolder);
        CopyModelDescription(model.Folder, request.OutputFolder);
        var skipped = new List<CaseReport>();
        var cases = new List<BatchCase>();
        foreach (CaseInput item in mine)
        {
            var batchCase = new BatchCase(
                item.CaseId,
                item.ChannelFiles,
                Path.Combine(request.OutputFolder, item.CaseId + ending),
                request.SaveProbabilities ? Path.Combine(request.OutputFolder, item.CaseId + ".npz") : null,
                cascade ? Path.Combine(request.PreviousStageFolder!, item.CaseId + ending) : null);
            if (request.ContinuePrediction && File.Exists(batchCase.OutputFile) && (batchCase.ProbabilitiesFile is null || File.Exists(batchCase.ProbabilitiesFile)))
            {
                skipped.Add(new CaseReport(batchCase) { Status = CaseStatus.Skipped });
            }
            else
            {
                cases.Add(batchCase);
            }
        }

        BatchPlan plan = BatchPlan.Create(model, cases, request.PreprocessWorkers, request.ExportWorkers, Environment.ProcessorCount);
        Console.Error.WriteLine(
            $"segengine: {mine.Count} case(s) of {found.Count} ({request.Part}), {skipped.Count} already done; configuration {model.ConfigurationName}, "
            + $"{model.Folder.Folds.Count} fold(s), {model.Device.ToString().ToLowerInvariant()}, TTA {(model.Inference.UseMirroring ? "on" : "off")}; {plan}"
            + (stale > 0 ? $"; removed {stale} temporary file(s) left by an interrupted run" : ""));

        IReadOnlyList<CaseReport> predicted = RunPipeline(model, plan, cases);
        List<CaseReport> reports = [.. skipped, .. predicted];
        reports.Sort((a, b) => string.CompareOrdinal(a.Case.CaseId, b.Case.CaseId));
        PrintSummary(reports);
        if (request.ReportPath is string reportPath)
        {
            BatchReport.Write(reportPath, new BatchReport.Context(modelLoadSeconds, started, DateTimeOffset.UtcNow, model, plan, request.Part, Settings(model, request)), reports);
        }

        return reports.Any(r => r.Status == CaseStatus.Failed) ? CommandRunner.Failure : CommandRunner.Success;
    }

    /// <summary>Runs the overlapped pipeline with a live display on a terminal, or one log line per case otherwise.</summary>
    private static IReadOnlyList<CaseReport> RunPipeline(SegModel model, BatchPlan plan, IReadOnlyList<BatchCase> cases)
    {
        if (cases.Count == 0)
        {
            return [];
        }

        if (Console.IsErrorRedirected)
        {
            var log = new PlainBatchLog(cases.Count);
            return new BatchPredictor(model, plan.Options, log).RunAsync(cases, CancellationToken.None).GetAwaiter().GetResult();
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var progress = new LiveBatchProgress(console, cases.Count);
        return progress.RunAsync(() => new BatchPredictor(model, plan.Options, progress).RunAsync(cases, CancellationToken.None)).GetAwaiter().GetResult();
    }

    private static void PrintSummary(IReadOnlyList<CaseReport> reports)
    {
        int succeeded = reports.Count(r => r.Status == CaseStatus.Succeeded);
        int skipped = reports.Count(r => r.Status == CaseStatus.Skipped);
        CaseReport[] failed = [.. reports.Where(r => r.Status == CaseStatus.Failed)];
        Console.Error.WriteLine($"segengine: {succeeded} predicted, {skipped} skipped, {failed.Length} failed");
        if (failed.Length == 0)
        {
            return;
        }

        int width = Math.Max("case".Length, failed.Max(r => r.Case.CaseId.Length));
        Console.Error.WriteLine($"  {"case".PadRight(width)}  {"stage",-10}  reason");
        foreach (CaseReport report in failed)
        {
            Console.Error.WriteLine($"  {report.Case.CaseId.PadRight(width)}  {BatchSummary.Stage(report),-10}  {report.Error}");
        }
    }

    private static KeyValuePair<string, object?>[] Settings(SegModel model, BatchRequest request) =>
    [
        new("input", Path.GetFullPath(request.InputFolder)),
        new("output", Path.GetFullPath(request.OutputFolder)),
        new("model", Path.GetFullPath(request.ModelPath)),
        new("configuration", model.ConfigurationName),
        new("folds", model.Folder.Folds.Select(f => f.Name).ToArray()),
        new("use_mirroring", model.Inference.UseMirroring),
        new("mirror_axes", model.Inference.MirrorAxes.Select(a => a.ToString(CultureInfo.InvariantCulture)).ToArray()),
        new("step_size", model.Inference.StepSize),
        new("save_probabilities", request.SaveProbabilities),
        new("continue_prediction", request.ContinuePrediction),
        new("prev_stage_predictions", request.PreviousStageFolder),
    ];

    /// <summary>nnU-Net leaves dataset.json and plans.json beside its outputs, so the folder documents the model that made it.</summary>
    private static void CopyModelDescription(ModelFolder folder, string outputFolder)
    {
        foreach (string source in new[] { folder.Dataset.Path, folder.Plans.Path })
        {
            string target = Path.Combine(outputFolder, Path.GetFileName(source));
            AtomicFile.Copy(source, target);
        }
    }

    private sealed record BatchRequest(
        string InputFolder,
        string OutputFolder,
        bool SaveProbabilities,
        bool ContinuePrediction,
        string? PreviousStageFolder,
        int? PreprocessWorkers,
        int? ExportWorkers,
        PartSelection Part,
        string? ReportPath,
        string ModelPath);
}
