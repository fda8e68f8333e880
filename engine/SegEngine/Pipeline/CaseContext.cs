namespace SegEngine.Pipeline;

/// <summary>
/// What one case carries through the stages: the seconds each stage took, who hears of its progress, where its warnings
/// go and when to stop. Every flow (a file, an image in memory, a batch) makes one per case.
/// </summary>
/// <param name="timings">Where the stages record their seconds; a batch passes its report's.</param>
/// <param name="progress">Stage starts and ends, and the sliding window's share done; reported synchronously.</param>
/// <param name="warnings">Where a case that looks wrong is described; null skips those checks.</param>
/// <param name="cancellationToken">Honoured at every stage start and between batches of tiles.</param>
internal sealed class CaseContext(
    CaseTimings timings, IProgress<SegProgress>? progress, ICollection<string>? warnings, CancellationToken cancellationToken)
{
    public CaseContext(IProgress<SegProgress>? progress, CancellationToken cancellationToken)
        : this(new CaseTimings(), progress, warnings: null, cancellationToken)
    {
    }

    public CaseTimings Timings { get; } = timings;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Whether anyone reads warnings; the checks behind them cost a pass over the data, so they run only then.</summary>
    public bool WantsWarnings => warnings is not null;

    public void Warn(string message) => warnings?.Add(message);

    /// <summary>Reports the start of a stage, then honours a cancellation the report (or anything before it) asked for.</summary>
    public void StartStage(SegStage stage)
    {
        progress?.Report(new SegProgress(stage, 0));
        CancellationToken.ThrowIfCancellationRequested();
    }

    public void EndStage(SegStage stage) => progress?.Report(new SegProgress(stage, 1));

    /// <summary>A stage's own fraction done, forwarded as that stage's progress; null when nobody listens.</summary>
    public IProgress<double>? StageFraction(SegStage stage) => progress is null ? null : new StageProgress(progress, stage);

    /// <summary>Forwards a stage's own fraction done as that stage's <see cref="SegProgress"/>, synchronously.</summary>
    private sealed class StageProgress(IProgress<SegProgress> progress, SegStage stage) : IProgress<double>
    {
        public void Report(double value) => progress.Report(new SegProgress(stage, value));
    }
}
