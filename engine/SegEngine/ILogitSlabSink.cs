namespace SegEngine;

/// <summary>
/// Receives a case's aggregated fp16 logits slab by slab along axis 0, in order, as the sliding window finishes them
/// (no later tile touches a delivered slice), whole or band by band (<see cref="LogitSlab.RowFrom"/>). This is the seam
/// between inference and export that keeps memory bounded.
/// </summary>
internal interface ILogitSlabSink
{
    /// <summary>
    /// The working memory the sink keeps for every slice it is handed at once (the export's slice summaries), which
    /// decides whether slices go over whole or band by band (<see cref="Inference.LogitHandOver"/>).
    /// </summary>
    long WorkingBytesPerSlice { get; }

    /// <summary>Called once before any slab, with the head count and the preprocessed (unpadded) shape.</summary>
    void Begin(int headCount, Shape3 shape);

    /// <summary>
    /// The slab's slices are final. Its memory is borrowed for the duration of the call only (the sliding window reuses it
    /// for later slices); a contiguous array is passed with <see cref="LogitSlabSinkExtensions.Accept"/>.
    /// </summary>
    void Accept(LogitSlab slab);

    /// <summary>Called once after the last slab.</summary>
    void Complete();
}
