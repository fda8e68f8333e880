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
/// <param name="model">The loaded model.</param>
/// <param name="options">Workers per stage and cases in flight.</param>
/// <param name="refusals">Cases refused from their headers (<see cref="CaseAdmission"/>), by case id: they fail in the read stage before any voxel is read.</param>
/// <param name="observer">Hears every stage start and finished case.</param>
internal sealed class BatchPredictor(SegModel model, BatchOptions options, IReadOnlyDictionary<string, SegEngineException> refusals, IBatchObserver observer)
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
                var work = new CaseWork(cases[i], reports[i] = new CaseReport(cases[i]), observer, cancellationToken);
                bool prepared = Attempt(work, SegStage.Read, () => Prepare(work));
                await PassOn(work, prepared, toNetwork.Writer).ConfigureAwait(false);
            }
        }

        async Task NetworkStage()
        {
            await foreach (CaseWork work in toNetwork.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                work.Report.WaitingSeconds += Stopwatch.GetElapsedTime(work.QueuedAt).TotalSeconds;
                PreparedCase prepared = work.TakePrepared();
                bool ran = Attempt(work, SegStage.Predict, () => work.Predicted = model.Pipeline.RunNetwork(prepared, work.Context));
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
                PredictedCase predicted = work.TakePredicted();
                BatchCase item = work.Case;
                Attempt(work, SegStage.Export, () => model.Pipeline.Finish(predicted, item.OutputFile, item.ProbabilitiesFile, work.Context));
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
            string reason = e is SegEngineException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            work.Report.Error = NamesItsInput(reason, work.Case) ? reason : $"{CaseAdmission.Name(work.Case)}: {reason}";
            return false;
        }
    }

    /// <summary>Whether a failure's message already names one of the case's files (the readers name the file they read).</summary>
    private static bool NamesItsInput(string reason, BatchCase item) =>
        item.ChannelFiles.Any(f => reason.Contains(f, StringComparison.Ordinal)) ||
        (item.PreviousStageFile is string previous && reason.Contains(previous, StringComparison.Ordinal));

    /// <summary>
    /// The read stage of the sequence, after the checks that need no voxels: the case was not refused from its header and
    /// it has its channel files by name.
    /// </summary>
    private void Prepare(CaseWork work)
    {
        BatchCase item = work.Case;
        if (refusals.TryGetValue(item.CaseId, out SegEngineException? refusal))
        {
            throw refusal;
        }

        ChannelChecks.FilesPresent(new CaseInput(item.CaseId, item.ChannelFiles), model.ChannelNames.Count, model.FileEnding);
        PreparedCase prepared = model.Pipeline.Prepare(item.ChannelFiles, item.PreviousStageFile, item.Probabilities, work.Context);
        work.Prepared = prepared;
        work.Report.InputShape = prepared.Image.Geometry.OriginalShape;
        work.Report.NetworkShape = prepared.Preprocessed.Data.Shape;
        work.Report.Tiles = model.TileCount(prepared.Preprocessed.Data.Shape);
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

    /// <summary>A case on its way through the stages: its report, its context, and what the next stage takes over.</summary>
    private sealed class CaseWork
    {
        public CaseWork(BatchCase batchCase, CaseReport report, IBatchObserver observer, CancellationToken cancellationToken)
        {
            Case = batchCase;
            Report = report;
            Context = new CaseContext(report.Timings, new StageTracker(this, observer), report.Warnings, cancellationToken);
        }

        public BatchCase Case { get; }

        public CaseReport Report { get; }

        /// <summary>The case's timings (the report's), stage notices and warnings (the report's), for every stage.</summary>
        public CaseContext Context { get; }

        public SegStage Stage { get; set; }

        public long StartedAt { get; } = Stopwatch.GetTimestamp();

        public long QueuedAt { get; set; }

        public PreparedCase? Prepared { get; set; }

        public PredictedCase? Predicted { get; set; }

        /// <summary>Hands the prepared case to the network stage, which releases it whatever happens.</summary>
        public PreparedCase TakePrepared()
        {
            PreparedCase taken = Prepared!;
            Prepared = null;
            return taken;
        }

        /// <summary>Hands the predicted case to the export stage, which releases it whatever happens.</summary>
        public PredictedCase TakePredicted()
        {
            PredictedCase taken = Predicted!;
            Predicted = null;
            return taken;
        }
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
