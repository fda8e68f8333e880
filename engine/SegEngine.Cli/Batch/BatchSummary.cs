using System.Globalization;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;

namespace SegEngine.Cli.Batch;

/// <summary>The words both front ends print: the batch's first line, a line per case, the stage a case failed in.</summary>
internal static class BatchSummary
{
    public static string Header(SegModel model, BatchOverview overview) =>
        $"segengine: {overview.CasesInPart} case(s) of {overview.CasesFound} ({overview.Part}), {overview.AlreadyDone} already done; "
        + $"configuration {model.ConfigurationName}, {model.Folder.Folds.Count} fold(s), {model.Device.ToString().ToLowerInvariant()}, "
        + $"TTA {(model.Inference.UseMirroring ? "on" : "off")}; {Describe(overview.Plan)}"
        + (overview.StaleTemporariesRemoved > 0 ? $"; removed {overview.StaleTemporariesRemoved} temporary file(s) left by an interrupted run" : "");

    /// <summary>
    /// A finished case: its own work (the stages' seconds) apart from its wait in the queues between stages, which
    /// grows with the cases ahead of it and says nothing about the case itself.
    /// </summary>
    public static string Describe(CaseReport report) => report.Status switch
    {
        CaseStatus.Succeeded => string.Create(
            CultureInfo.InvariantCulture,
            $"{report.Case.CaseId}: done, {report.Timings.Total:F2} s of work (network {report.Timings.Network:F2} s), waited {report.WaitingSeconds:F2} s"),
        CaseStatus.Skipped => $"{report.Case.CaseId}: skipped, its outputs exist",
        _ => $"{report.Case.CaseId}: failed in {Stage(report)}: {report.Error}",
    };

    public static string Stage(CaseReport report) => report.FailedStage?.ToString().ToLowerInvariant() ?? "?";

    /// <summary>Workers per stage, the largest admitted case's plan and the budget; the cases in flight only when several can be (a one-case batch has one).</summary>
    private static string Describe(BatchPlan plan)
    {
        string workers = $"-npp {plan.Options.PreprocessWorkers}, -nps {plan.Options.ExportWorkers}";
        string pipeline = plan.CasesAtOnce > 1 ? $"{plan.CasesAtOnce} cases in flight, {workers}" : workers;
        string budget = $"memory budget {plan.Budget}";
        return plan.LargestCasePlan is null
            ? $"{pipeline}; {budget}"
            : string.Create(CultureInfo.InvariantCulture, $"{pipeline}; largest case {plan.LargestImage} plans {plan.LargestCasePlan.TotalBytes / 1048576.0:F0} MiB; {budget}");
    }
}
