using System.Diagnostics;
using System.Globalization;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using Spectre.Console;

namespace SegEngine.Cli.Batch;

/// <summary>
/// A live progress display on a terminal: cases done of total, the stage each case in flight is in, throughput and ETA.
/// It starts when the batch has cases to predict and ends at <see cref="CompleteAsync"/>.
/// </summary>
internal sealed class LiveBatchProgress(IAnsiConsole console, SegModel model) : IBatchObserver
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, SegStage> inFlight = [];
    private readonly TaskCompletionSource batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long started;
    private Task display = Task.CompletedTask;
    private ProgressTask? task;
    private int total;
    private int finished;

    public void BatchStarted(BatchOverview overview)
    {
        Console.Error.WriteLine(BatchSummary.Header(model, overview));
        lock (gate)
        {
            total = overview.ToPredict.Count;
            started = Stopwatch.GetTimestamp();
        }

        if (total == 0)
        {
            return;
        }

        display = console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                lock (gate)
                {
                    task = context.AddTask(Describe(), maxValue: total);
                }

                await batchDone.Task.ConfigureAwait(false);
            });
    }

    /// <summary>Ends the display (if it started) once the batch has returned, successfully or not.</summary>
    public async Task CompleteAsync()
    {
        batchDone.TrySetResult();
        await display.ConfigureAwait(false);
    }

    public void StageStarted(BatchCase batchCase, SegStage stage)
    {
        lock (gate)
        {
            inFlight[batchCase.CaseId] = stage;
            Refresh();
        }
    }

    public void CaseFinished(CaseReport report)
    {
        lock (gate)
        {
            inFlight.Remove(report.Case.CaseId);
            finished++;
            task?.Increment(1);
            if (report.Status == CaseStatus.Failed)
            {
                console.MarkupLineInterpolated($"[red]{BatchSummary.Describe(report)}[/]");
            }

            Refresh();
        }
    }

    private void Refresh()
    {
        if (task is not null)
        {
            task.Description = Describe();
        }
    }

    private string Describe()
    {
        double minutes = Stopwatch.GetElapsedTime(started).TotalMinutes;
        string rate = minutes > 0 && finished > 0 ? string.Create(CultureInfo.InvariantCulture, $"{finished / minutes:F1} cases/min") : "starting";
        string stages = string.Join(", ", inFlight.Take(3).Select(entry => $"{entry.Key}: {entry.Value.ToString().ToLowerInvariant()}"));
        return Markup.Escape($"{finished}/{total} cases · {rate}{(stages.Length > 0 ? " · " + stages : "")}");
    }
}
