using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;

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
        var gpuMemoryTarget = new Option<double>("--gpu-memory-target") { Description = "Cap of the CUDA memory arena in GB (0: no cap)" };
        var cudnnSearch = new Option<CudnnConvAlgoSearch>("--cudnn-conv-algo-search")
        {
            Description = "cuDNN convolution algorithm search: exhaustive, heuristic or default (slow since ORT 1.20)",
            DefaultValueFactory = _ => CudnnConvAlgoSearch.Exhaustive,
        };
        var memoryBudget = new Option<double>("--memory-budget") { Description = "Host memory budget of the inference stage in GB (0: unlimited)" };
        var batchSize = new Option<int>("--batch-size") { Description = "Tiles per network run when the model allows it (0: from the memory plan)" };
        var saveOptimized = new Option<bool>("--save-optimized-model") { Description = "Save ONNX Runtime's optimised graph beside model.onnx and reuse it" };

        var command = new Command("predict", "Segment every case of a folder (nnUNetv2_predict's flags).")
        {
            input, output,
        };
        modelArguments.AddTo(command);
        foreach (Option option in new Option[] { stepSize, disableTta, saveProbabilities, continuePrediction, previousStage, device, threads, gpuMemoryTarget, cudnnSearch, memoryBudget, batchSize, saveOptimized })
        {
            command.Add(option);
        }

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var inference = new InferenceOptions
            {
                Device = parse.GetValue(device),
                Threads = parse.GetValue(threads),
                GpuMemoryTargetGb = parse.GetValue(gpuMemoryTarget),
                CudnnConvAlgoSearch = parse.GetValue(cudnnSearch),
                UseMirroring = !parse.GetValue(disableTta),
                StepSize = parse.GetValue(stepSize),
                MemoryBudgetGb = parse.GetValue(memoryBudget),
                BatchSize = parse.GetValue(batchSize),
                SaveOptimizedModel = parse.GetValue(saveOptimized),
                Warning = message => Console.Error.WriteLine($"warning: {message}"),
            };
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
                parse.GetValue(previousStage));
            using SegModel model = SegModel.Load(
                modelArguments.ModelPath(parse),
                new SegModelOptions
                {
                    Configuration = folderOptions.Configuration,
                    Folds = folderOptions.Folds,
                    CheckpointName = folderOptions.CheckpointName,
                    Inference = inference,
                });
            return Run(model, request);
        }));
        return command;
    }

    private static int Run(SegModel model, BatchRequest request)
    {
        string ending = model.Folder.Dataset.FileEnding;
        IReadOnlyList<CaseInput> cases = CaseDiscovery.FindCases(request.InputFolder, ending);
        if (cases.Count == 0)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{request.InputFolder}: no files named {{case}}_XXXX{ending}");
        }

        bool cascade = model.Folder.Configuration.PreviousStage is not null;
        if (cascade && request.PreviousStageFolder is null)
        {
            throw new UsageException(
                $"configuration '{model.Folder.Configuration.Name}' is a cascade stage after '{model.Folder.Configuration.PreviousStage}': give that stage's outputs with -prev_stage_predictions");
        }

        Directory.CreateDirectory(request.OutputFolder);
        CopyModelDescription(model.Folder, request.OutputFolder);
        Console.Error.WriteLine(
            $"segengine: {cases.Count} case(s), configuration {model.Folder.Configuration.Name}, {model.Folder.Folds.Count} fold(s), "
            + $"{model.Device.ToString().ToLowerInvariant()}, TTA {(model.Inference.UseMirroring ? "on" : "off")}");

        var failures = new List<(string CaseId, string Reason)>();
        int done = 0;
        int skipped = 0;
        foreach (CaseInput item in cases)
        {
            string outputFile = Path.Combine(request.OutputFolder, item.CaseId + ending);
            string? probabilities = request.SaveProbabilities ? Path.Combine(request.OutputFolder, item.CaseId + ".npz") : null;
            if (request.ContinuePrediction && File.Exists(outputFile) && (probabilities is null || File.Exists(probabilities)))
            {
                skipped++;
                continue;
            }

            var clock = Stopwatch.StartNew();
            TimeSpan networkBefore = model.NetworkTime;
            try
            {
                CaseDiscovery.CheckChannels(item, model.Folder.Dataset.ChannelNames.Count, ending);
                string? previous = request.PreviousStageFolder is null || !cascade ? null : Path.Combine(request.PreviousStageFolder, item.CaseId + ending);
                if (previous is not null && !File.Exists(previous))
                {
                    throw new SegEngineException(SegErrorCode.InvalidInput, $"{previous}: the previous stage's segmentation of {item.CaseId} does not exist");
                }

                model.PredictFile(item.ChannelFiles, outputFile, probabilities, previous);
                done++;
                double total = clock.Elapsed.TotalSeconds;
                double network = (model.NetworkTime - networkBefore).TotalSeconds;
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{item.CaseId}: done in {total:F2} s (network {network:F2} s; {100 * (total - network) / total:F1} % outside the network)"));
            }
            catch (SegEngineException e)
            {
                failures.Add((item.CaseId, e.Message));
                Console.Error.WriteLine($"{item.CaseId}: failed: {e.Message}");
            }
        }

        Console.Error.WriteLine($"segengine: {done} predicted, {skipped} skipped, {failures.Count} failed");
        foreach ((string caseId, string reason) in failures)
        {
            Console.Error.WriteLine($"  {caseId}: {reason}");
        }

        return failures.Count == 0 ? CommandRunner.Success : CommandRunner.Failure;
    }

    /// <summary>nnU-Net leaves dataset.json and plans.json beside its outputs, so the folder documents the model that made it.</summary>
    private static void CopyModelDescription(ModelFolder folder, string outputFolder)
    {
        foreach (string source in new[] { folder.Dataset.Path, folder.Plans.Path })
        {
            string target = Path.Combine(outputFolder, Path.GetFileName(source));
            AtomicFile.Copy(source, target);
        }
    }

    private sealed record BatchRequest(string InputFolder, string OutputFolder, bool SaveProbabilities, bool ContinuePrediction, string? PreviousStageFolder);
}
