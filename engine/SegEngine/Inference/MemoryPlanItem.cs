namespace SegEngine.Inference;

/// <summary>One component of a <see cref="MemoryPlan"/>: its bytes and the stages that hold them.</summary>
public readonly record struct MemoryPlanItem(string Item, long Bytes, MemoryStages Stages)
{
    public bool IsIn(MemoryStages stage) => (Stages & stage) != 0;
}
