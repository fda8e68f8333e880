using System.Globalization;
using SegEngine.Inference;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// The memory a batch admits its cases against: the user's <c>--memory-budget</c>, or by default what the machine can
/// still give (<see cref="MachineMemory"/>), or nothing when the user asked for no limit.
/// </summary>
/// <param name="Bytes">The budget; 0 means unlimited.</param>
/// <param name="FromMachine">True when it is the machine's headroom, which the warmed-up sessions already stand outside of.</param>
internal sealed record BatchMemoryBudget(long Bytes, bool FromMachine)
{
    public static BatchMemoryBudget Unlimited { get; } = new(0, false);

    /// <summary>The user's budget when the model has one; otherwise the machine's headroom, unless <paramref name="unlimited"/>.</summary>
    public static BatchMemoryBudget Resolve(InferenceOptions inference, bool unlimited)
    {
        ArgumentNullException.ThrowIfNull(inference);
        if (inference.MemoryBudgetGb > 0)
        {
            return new BatchMemoryBudget((long)(inference.MemoryBudgetGb * (1L << 30)), false);
        }

        return unlimited || MachineMemory.HeadroomBytes() is not long headroom ? Unlimited : new BatchMemoryBudget(headroom, true);
    }

    public bool IsUnlimited => Bytes == 0;

    /// <summary>
    /// What a case adds to the process: its plan's total (the larger of its preprocessing and network stages), less what
    /// the loaded sessions hold already when measured against the machine's headroom.
    /// </summary>
    public long Needed(MemoryPlan plan) => FromMachine ? plan.TotalBytes - plan.WarmedUpBytes : plan.TotalBytes;

    public bool Fits(MemoryPlan plan) => IsUnlimited || Needed(plan) <= Bytes;

    public override string ToString() => IsUnlimited
        ? "unlimited"
        : string.Create(CultureInfo.InvariantCulture, $"{Bytes / 1048576.0:F1} MiB ({(FromMachine ? "what this machine can still give" : "--memory-budget")})");
}
