namespace SegEngine.Inference;

/// <summary>
/// The pinned tile input and output the fold sessions of one model bind: folds run one after another on every tile,
/// and each fold's logits are aggregated before the next fold runs, so one pair serves every fold. Grown, never
/// shrunk; <see cref="Generation"/> changes with every growth so that a session rebinds its values.
/// </summary>
internal sealed class FoldTileBuffers
{
    public float[] Input { get; private set; } = [];

    public float[] Output { get; private set; } = [];

    /// <summary>Raised whenever <see cref="Input"/> or <see cref="Output"/> is replaced by a larger array.</summary>
    public int Generation { get; private set; }

    /// <summary>Grows the buffers to at least these lengths (their contents are not kept).</summary>
    public void EnsureLengths(int inputLength, int outputLength)
    {
        if (Input.Length >= inputLength && Output.Length >= outputLength)
        {
            return;
        }

        Input = GC.AllocateUninitializedArray<float>(Math.Max(inputLength, Input.Length), pinned: true);
        Output = GC.AllocateUninitializedArray<float>(Math.Max(outputLength, Output.Length), pinned: true);
        Generation++;
    }
}
