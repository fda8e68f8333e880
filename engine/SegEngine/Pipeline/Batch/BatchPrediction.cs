using System.Globalization;
using SegEngine.Io;
using SegEngine.Model;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// The one in-process entry point of a batch, for the CLI and any other host (a server, a test): finds the cases,
/// checks the request against the model, takes this part's share, clears what an interrupted run left, copies
/// dataset.json and plans.json beside the outputs, skips finished cases (<see cref="BatchRequest.ContinuePrediction"/>),
/// plans the workers, runs the overlapped pipeline and writes the report when asked.
/// </summary>
internal static class BatchPrediction
{
    /// <summary>Predicts the cases <paramref name="request"/> names with <paramref name="model"/>.</summary>
    /// <param name="model">A loaded model; one batch at a time per model.</param>
    /// <param name="request">The folders, flags and part.</param>
    /// <param name="observer">Hears the overview first, then every stage start and finished case, from worker threads.</param>
    /// <param name="cancellationToken">Stops the batch at the next stage start; cases written by then stay, none is half-written.</param>
    /// <returns>Every case's report, sorted by case id, with the overview the observer heard.</returns>
    /// <exception cref="SegEngineException">No case in the input folder.</exception>
    /// <exception cref="BatchRequestException">The request does not fit the model (a cascade stage without previous-stage outputs).</exception>
    public static async Task<BatchResult> RunAsync(SegModel model, BatchRequest request, IBatchObserver observer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        DateTimeOffset started = DateTimeOffset.UtcNow;
        string ending = model.FileEnding;
        IReadOnlyList<CaseInput> found = CaseDiscovery.FindCases(request.InputFolder, ending);
        if (found.Count == 0)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{request.InputFolder}: no files named {{case}}_XXXX{ending}{SeenFiles(request.InputFolder)}");
        }

        bool cascade = model.Folder.Configuration.PreviousStage is not null;
        if (cascade && request.PreviousStageFolder is null)
        {
            throw new BatchRequestException(
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
            if (request.ContinuePrediction && IsDone(batchCase))
            {
                skipped.Add(new CaseReport(batchCase) { Status = CaseStatus.Skipped });
            }
            else
            {
                cases.Add(batchCase);
            }
        }

        BatchMemoryBudget budget = BatchMemoryBudget.Resolve(model.Inference, request.UnlimitedMemory);
        BatchPlan plan = BatchPlan.Create(model, cases, budget, request.PreprocessWorkers, request.ExportWorkers, Environment.ProcessorCount);
        var overview = new BatchOverview(found.Count, mine.Count, skipped.Count, cases, request.Part, plan, stale);
        observer.BatchStarted(overview);
        IReadOnlyList<CaseReport> predicted = cases.Count == 0
            ? []
            : await new BatchPredictor(model, plan.Options, plan.Refusals, observer).RunAsync(cases, cancellationToken).ConfigureAwait(false);
        List<CaseReport> reports = [.. skipped, .. predicted];
        reports.Sort((a, b) => string.CompareOrdinal(a.Case.CaseId, b.Case.CaseId));
        if (request.ReportPath is string reportPath)
        {
            var context = new BatchReport.Context(model.LoadSeconds, started, DateTimeOffset.UtcNow, model, plan, request.Part, Settings(model, request));
            BatchReport.Write(reportPath, context, reports);
        }

        return new BatchResult(overview, reports);
    }

    /// <summary>A hint for an input folder with no case: the names that were there, since a 5-digit channel or another ending is an easy slip.</summary>
    private static string SeenFiles(string folder)
    {
        string[] names = [.. Directory.EnumerateFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(6)!];
        return names.Length == 0
            ? " (the folder is empty)"
            : $" (XXXX: exactly 4 digits, the channel); found {string.Join(", ", names.Take(5))}{(names.Length > 5 ? ", ..." : "")}";
    }

    private static bool IsDone(BatchCase batchCase) =>
        File.Exists(batchCase.OutputFile) && (batchCase.ProbabilitiesFile is null || File.Exists(batchCase.ProbabilitiesFile));

    /// <summary>The report's <c>settings</c>: the request and the inference settings, as the CLI spells them.</summary>
    private static KeyValuePair<string, object?>[] Settings(SegModel model, BatchRequest request) =>
    [
        new("input", Path.GetFullPath(request.InputFolder)),
        new("output", Path.GetFullPath(request.OutputFolder)),
        new("model", Path.GetFullPath(model.ModelDirectory)),
        new("configuration", model.ConfigurationName),
        new("folds", model.Folder.Folds.Select(f => f.Name).ToArray()),
        new("use_mirroring", model.Inference.UseMirroring),
        new("mirror_axes", model.Folder.Network.MirroringAxes.Select(a => a.ToString(CultureInfo.InvariantCulture)).ToArray()),
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
}
