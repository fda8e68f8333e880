namespace SegEngine.Inference;

/// <summary>
/// A case whose smallest plan exceeds <see cref="InferenceOptions.MemoryBudgetGb"/>: carries that plan, so that a batch
/// refuses the case with the same words whichever budget (the user's or the machine's) it exceeds.
/// </summary>
public sealed class MemoryBudgetException : SegEngineException
{
    public MemoryBudgetException(MemoryPlan plan, string message)
        : base(SegErrorCode.MemoryBudget, message)
    {
        Plan = plan;
    }

    /// <summary>The plan at the smallest batch size.</summary>
    public MemoryPlan Plan { get; }
}
