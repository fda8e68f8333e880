using System.Diagnostics;
using System.Threading.Channels;
using SegEngine.Io;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// Predicts many cases with the stages overlapped: read + preprocess workers, one network stage that owns the sessions,
/// and export + write workers, joined by bounded channels. A case that fails in any stage is reported and the others go on.
/// </summary>
/// <remarks>
/// An admission gate holds the number of cases between the start of reading and the end of writing to
/// <see cref="BatchOptions.MaxCasesInFlight"/>, the count the memory plan was made for; the bounded queues keep a fast
/// stage from running ahead. Every worker catches its case's failure, so a fault never leaves a channel unread.
/// </remarks>
internal sealed class BatchPredictor(SegModel model, BatchOptions options, IBatchObserver observer)
{
    public async Task<IReadOnlyList<CaseReport>> RunAsync(IReadOnlyList<BatchCase> cases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cases);
        options.Validate();
        var reports = new CaseReport[cases.Count];
        using var admission = new SemaphoreSlim(options.MaxCasesInFlight);
        var toNetwork = Channel.CreateBounded<CaseWork>(new BoundedChannelOptions(1) { SingleReader = true });
        var toExport = Channel.CreateBounded<CaseWork>(new BoundedChannelOptions(1) { SingleWriter = true });
        int next = -1;

        async Task ReadWorker()
        {
            for (int i = Interlocked.Increment(ref next); i < cases.Count; i = Interlocked.Increment(ref next))
            {
                await admission.WaitAsync(cancellationToken).ConfigureAwait(false);
                var work = new CaseWork(cases[i], reports[i] = new CaseReport(cases[i]));
                long stageStart = Stopwatch.GetTimestamp();
                bool prepared = Attempt(work, SegStage.Read, () => Prepare(work));
                CaseTimings timings = work.Report.Timings;

                // The stage's bookkeeping (channel checks, shapes) counts as reading, so the stages cover the case's time.
                timings.Read = Stopwatch.GetElapsedTime(stageStart).TotalSeconds - timings.Preprocess;
                await PassOn(work, prepared, toNetwork.Writer).ConfigureAwait(false);
            }
        }

        async Task NetworkStage()
        {
            await foreach (CaseWork work in toNetwork.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                work.Report.WaitingSeconds += Stopwatch.GetElapsedTime(work.QueuedAt).TotalSeconds;
                long stageStart = Stopwatch.GetTimestamp();
                bool ran = Attempt(work, SegStage.Predict, () => RunNetwork(work, cancellationToken));
                work.Prepared?.Dispose();
                work.Prepared = null;
                CaseTimings timings = work.Report.Timings;
                timings.Aggregation = Math.Max(0, Stopwatch.GetElapsedTime(stageStart).TotalSeconds - timings.Network - timings.Export);
                await PassOn(work, ran, toExport.Writer).ConfigureAwait(false);
            }
        }

        // A case that succeeded in a stage queues for the next; a failed one is finished here, so its slot frees at once.
        async ValueTask PassOn(CaseWork work, bool succeeded, ChannelWriter<CaseWork> next)
        {
            if (!succeeded)
            {
                Finish(work, admission);
                return;
            }

            work.QueuedAt = Stopwatch.GetTimestamp();
            await next.WriteAsync(work, cancellationToken).ConfigureAwait(false);
        }

        async Task ExportWorker()
        {
            await foreach (CaseWork work in toExport.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                work.Report.WaitingSeconds += Stopwatch.GetElapsedTime(work.QueuedAt).TotalSeconds;
                long stageStart = Stopwatch.GetTimestamp();
                double exportBefore = work.Report.Timings.Export;
                Attempt(work, SegStage.Export, () => Write(work));
                work.Predicted?.Dispose();
                work.Predicted = null;
                CaseTimings timings = work.Report.Timings;
                timings.Write = Stopwatch.GetElapsedTime(stageStart).TotalSeconds - (timings.Export - exportBefore);
                Finish(work, admission);
            }
        }

        Task[] readers = [.. Enumerable.Range(0, options.PreprocessWorkers).Select(_ => Task.Run(ReadWorker, cancellationToken))];
        Task network = Task.Run(NetworkStage, cancellationToken);
        Task[] exporters = [.. Enumerable.Range(0, options.ExportWorkers).Select(_ => Task.Run(ExportWorker, cancellationToken))];
        try
        {
            await Task.WhenAll(readers).ConfigureAwait(false);
        }
        finally
        {
            toNetwork.Writer.TryComplete();
        }

        try
        {
            await network.ConfigureAwait(false);
        }
        finally
        {
            toExport.Writer.TryComplete();
        }

        await Task.WhenAll(exporters).ConfigureAwait(false);
        return reports;
    }

    /// <summary>Runs a stage's work for one case; any failure but cancellation is the case's, recorded with its stage.</summary>
    private static bool Attempt(CaseWork work, SegStage firstStage, Action action)
    {
        work.Stage = firstStage;
        try
        {
            action();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            work.Report.Status = CaseStatus.Failed;
            work.Report.FailedStage = work.Stage;
            work.Report.Error = e is SegEngineException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            return false;
        }
    }

    private void Prepare(CaseWork work)
    {
        BatchCase item = work.Case;
        CaseDiscovery.CheckChannels(new CaseInput(item.CaseId, item.ChannelFiles), model.ChannelNames.Count, model.FileEnding);
        work.Prepared = model.Prepare(
            item.ChannelFiles, item.PreviousStageFile, item.ProbabilitiesFile is not null, work.Report.Timings, new StageTracker(work, observer), work.Report.Warnings, CancellationToken.None);
        work.Report.InputShape = work.Prepared.Image.Geometry.OriginalShape;
        work.Report.NetworkShape = work.Prepared.Preprocessed.Data.Shape;
        work.Report.Tiles = model.TileCount(work.Prepared.Preprocessed.Data.Shape);
    }

    private void RunNetwork(CaseWork work, CancellationToken cancellationToken)
    {
        work.Predicted = model.RunNetwork(work.Prepared!, work.Case.ProbabilitiesFile is not null, work.Report.Timings, new StageTracker(work, observer), cancellationToken);
    }

    private void Write(CaseWork work)
    {
        model.Finish(
            work.Predicted!, work.Case.OutputFile, work.Case.ProbabilitiesFile, work.Report.Timings, new StageTracker(work, observer), work.Report.Warnings, CancellationToken.None);
    }

    private void Finish(CaseWork work, SemaphoreSlim admission)
    {
        work.Prepared?.Dispose();
        work.Predicted?.Dispose();
        work.Report.WallSeconds = Stopwatch.GetElapsedTime(work.StartedAt).TotalSeconds;
        work.Report.PeakMemoryBytes = PeakResidentBytes();
        admission.Release();
        observer.CaseFinished(work.Report);
    }

    /// <summary>The process's high-water resident set (Linux VmHWM), as <see cref="Process.PeakWorkingSet64"/> reports it.</summary>
    private static long PeakResidentBytes()
    {
        using Process self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>A case on its way through the stages, with what the next stage needs.</summary>
    private sealed class CaseWork(BatchCase batchCase, CaseReport report)
    {
        public BatchCase Case { get; } = batchCase;

        public CaseReport Report { get; } = report;

        public SegStage Stage { get; set; }

        public long StartedAt { get; set; } = Stopwatch.GetTimestamp();

        public long QueuedAt { get; set; }

        public PreparedCase? Prepared { get; set; }

        public PredictedCase? Predicted { get; set; }
    }

    /// <summary>Turns a case's stage starts into the stage a failure is blamed on and into the observer's notices.</summary>
    private sealed class StageTracker(CaseWork work, IBatchObserver observer) : IProgress<SegProgress>
    {
        public void Report(SegProgress value)
        {
            if (value.Fraction == 0)
            {
                work.Stage = value.Stage;
                observer.StageStarted(work.Case, value.Stage);
            }
        }
    }
}
