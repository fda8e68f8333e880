using System.CommandLine;
using SegEngine.Inference;
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
        var saveProbabilities = new Option<bool>("--save_probabilities", "--save-probabilities") { Description = "Also write {case}.npz with the probabilities and {case}.json with the properties ({case}.properties.json for Tiff3DIO)" };
        var continuePrediction = new Option<bool>("--continue_prediction", "--continue-prediction") { Description = "Skip cases whose outputs already exist" };
        var previousStage = new Option<string?>("-prev_stage_predictions", "--prev-stage-predictions") { Description = "Folder of the previous stage's segmentations (cascade configurations)" };
        var device = new Option<InferenceDevice>("-device", "--device") { Description = "auto (CUDA if available, else CPU), cpu or cuda", DefaultValueFactory = _ => InferenceDevice.Auto };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads on the CPU (0: one per core)" };
        var cuda = new CudaArguments();
        var memoryBudget = new Option<double?>("--memory-budget")
        {
            Description = "Host memory budget of the inference stage in GB (default: what the machine can still give; 0: unlimited)",
        };
        var batchSize = new Option<int>("--batch-size") { Description = "Tiles per network run when the model allows it (0: from the memory plan)" };
        var saveOptimized = new Option<bool>("--save-optimized-model") { Description = "Save ONNX Runtime's optimised graph beside model.onnx and reuse it" };
        var graphRewrite = new Option<bool>("--graph-rewrite") { Description = "On the CPU, run stride-1 3-D convolutions as 2-D ones over depth slices (a rewrite of the ONNX cached beside it)" };
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
            saveOptimized, graphRewrite, preprocessWorkers, exportWorkers, numParts, partId, report,
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
                MemoryBudgetGb = parse.GetValue(memoryBudget) ?? 0,
                BatchSize = parse.GetValue(batchSize),
                SaveOptimizedModel = parse.GetValue(saveOptimized),
                GraphRewrite = parse.GetValue(graphRewrite),
                Warning = message => Console.Error.WriteLine($"warning: {message}"),
            });
            if (OptionError.Find(inference) is { } error)
            {
                throw new UsageException($"{error.Name} {error.Value}: {error.Reason}");
            }

            var request = new BatchRequest(parse.GetRequiredValue(input), parse.GetRequiredValue(output))
            {
                SaveProbabilities = parse.GetValue(saveProbabilities),
                ContinuePrediction = parse.GetValue(continuePrediction),
                PreviousStageFolder = parse.GetValue(previousStage),
                PreprocessWorkers = parse.GetValue(preprocessWorkers),
                ExportWorkers = parse.GetValue(exportWorkers),
                Part = PartSelection.Resolve(parse.GetValue(numParts), parse.GetValue(partId), Environment.GetEnvironmentVariable),
                ReportPath = parse.GetValue(report),
                UnlimitedMemory = parse.GetValue(memoryBudget) == 0,
            };
            using SegModel model = SegModel.Load(
                modelArguments.ModelPath(parse), new SegModelOptions { Folder = modelArguments.FolderOptions(parse), Inference = inference });
            BatchResult result = Run(model, request);
            PrintSummary(result);
            return result.Failures.Count > 0 ? CommandRunner.Failure : CommandRunner.Success;
        }));
        return command;
    }

    /// <summary>Runs the batch with a live display on a terminal, or one log line per case otherwise.</summary>
    private static BatchResult Run(SegModel model, BatchRequest request)
    {
        if (Console.IsErrorRedirected)
        {
            return BatchPrediction.RunAsync(model, request, new PlainBatchLog(model)).GetAwaiter().GetResult();
        }

        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var live = new LiveBatchProgress(console, model);
        try
        {
            return BatchPrediction.RunAsync(model, request, live).GetAwaiter().GetResult();
        }
        finally
        {
            live.CompleteAsync().GetAwaiter().GetResult();
        }
    }

    private static void PrintSummary(BatchResult result)
    {
        IReadOnlyList<CaseReport> failed = result.Failures;
        Console.Error.WriteLine($"segengine: {result.Succeeded} predicted, {result.Skipped} skipped, {failed.Count} failed");
        if (failed.Count == 0)
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
}
