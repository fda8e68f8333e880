namespace SegEngine;

/// <summary>
/// Receives a case's aggregated fp16 logits slab by slab along axis 0, in order, as the sliding window finishes them
/// (no later tile touches a delivered slice). This is the seam between inference and export that keeps memory bounded.
/// </summary>
internal interface ILogitSlabSink
{
    /// <summary>Called once before any slab, with the head count and the preprocessed (unpadded) shape.</summary>
    void Begin(int headCount, Shape3 shape);

    /// <summary>
    /// Slices [<paramref name="zStart"/>, <paramref name="zStart"/> + <paramref name="zCount"/>) are final.
    /// <paramref name="logits"/> is channel-major (K, zCount, Y, X) and borrowed for the duration of the call only.
    /// </summary>
    void Accept(int zStart, int zCount, ReadOnlySpan<Half> logits);

    /// <summary>Called once after the last slab.</summary>
    void Complete();
}
