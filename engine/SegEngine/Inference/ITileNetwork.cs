namespace SegEngine.Inference;

/// <summary>
/// The network as the sliding window sees it: fill the input of a batch, run, read the logits. One fold is one
/// network. Implemented by <see cref="OrtTileNetwork"/>; tests substitute deterministic fakes. Not thread-safe.
/// </summary>
internal interface ITileNetwork
{
    int InputChannels { get; }

    /// <summary>Output channels K, one per head (a softmax label or a sigmoid region).</summary>
    int HeadCount { get; }

    /// <summary>The spatial input extent: 2 axes for a 2-D configuration, 3 for a 3-D one.</summary>
    IReadOnlyList<int> PatchSize { get; }

    /// <summary>Whether a run may hold more than one tile.</summary>
    bool DynamicBatch { get; }

    /// <summary>Estimated runtime working memory (bytes) of one tile in a run, for the memory plan.</summary>
    long WorkingBytesPerTile { get; }

    /// <summary>Whether the model's folds run in one ORT arena and bind one pair of tile buffers, so one fold's worth serves them all.</summary>
    bool SharesFoldMemory { get; }

    /// <summary>Whether that working memory is already held (a tile or a warm-up ran), so the memory plan counts it as resident.</summary>
    bool WarmedUp { get; }

    /// <summary>The (batch, C, patch) input to fill before <see cref="Run"/>. Borrowed until the next call.</summary>
    Span<float> InputBuffer(int batch);

    /// <summary>Runs the network on the filled input; returns the (batch, K, patch) logits, borrowed until the next call.</summary>
    ReadOnlySpan<float> Run(int batch);
}
