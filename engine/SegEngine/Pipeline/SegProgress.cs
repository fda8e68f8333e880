namespace SegEngine.Pipeline;

/// <summary>
/// Where a prediction stands: each stage reports 0 when it starts and 1 when it ends, the sliding window also
/// after every batch of tiles. Reports arrive synchronously on the predicting thread.
/// </summary>
/// <param name="Stage">The stage running.</param>
/// <param name="Fraction">The share of the stage done, in [0, 1].</param>
public readonly record struct SegProgress(SegStage Stage, double Fraction);
