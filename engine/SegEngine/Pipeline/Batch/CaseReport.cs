namespace SegEngine.Pipeline.Batch;

/// <summary>What happened to one case: its outcome, where it failed, and the seconds, shapes and memory it took.</summary>
internal sealed class CaseReport(BatchCase batchCase)
{
    public BatchCase Case { get; } = batchCase;

    public CaseStatus Status { get; set; } = CaseStatus.Succeeded;

    /// <summary>The stage a failed case stopped in.</summary>
    public SegStage? FailedStage { get; set; }

    /// <summary>The reason a case failed, one line.</summary>
    public string? Error { get; set; }

    public CaseTimings Timings { get; } = new();

    /// <summary>From the start of reading to the end of writing, queues included.</summary>
    public double WallSeconds { get; set; }

    /// <summary>Time spent in the queues between stages, measured on its own.</summary>
    public double WaitingSeconds { get; set; }

    /// <summary>The image's shape (z, y, x in reader order), once read.</summary>
    public Shape3? InputShape { get; set; }

    /// <summary>The preprocessed shape the network slid over.</summary>
    public Shape3? NetworkShape { get; set; }

    /// <summary>Sliding-window tiles per fold and mirror pass.</summary>
    public int? Tiles { get; set; }

    /// <summary>The process's peak resident memory when the case finished (bytes).</summary>
    public long PeakMemoryBytes { get; set; }

    public List<string> Warnings { get; } = [];
}
