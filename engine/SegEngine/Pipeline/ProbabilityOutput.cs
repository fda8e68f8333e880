namespace SegEngine.Pipeline;

/// <summary>Where a case's probabilities go, which decides what its memory plan holds for them.</summary>
public enum ProbabilityOutput
{
    /// <summary>Labels only: the export runs fused into the sliding window.</summary>
    None,

    /// <summary>nnU-Net's <c>.npz</c>, streamed slice by slice: the whole fp16 logits and the writer's working memory.</summary>
    File,

    /// <summary>Handed over in memory: as <see cref="File"/>, plus the float32 (K, z, y, x) volume itself.</summary>
    Memory,
}
