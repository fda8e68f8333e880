namespace SegEngine.Inference;

/// <summary>The stages of a case that hold a planned item (<see cref="MemoryPlanItem"/>).</summary>
[Flags]
public enum MemoryStages
{
    /// <summary>Preprocessing: from the image to the preprocessed volume.</summary>
    Preprocessing = 1,

    /// <summary>The sliding window and the export, fused into it or after it.</summary>
    Network = 2,
}
