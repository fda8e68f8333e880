using SegEngine.Inference;
using SegEngine.Model;

namespace SegEngine.Pipeline;

/// <summary>How <see cref="SegModel.Load(string, SegModelOptions?)"/> picks the model's parts and runs it.</summary>
public sealed record SegModelOptions
{
    /// <summary>The configuration to use when the folder is a dataset folder holding several (nnU-Net's <c>-c</c>).</summary>
    public string? Configuration { get; init; }

    /// <summary>Fold names or numbers (<c>0</c>, <c>fold_0</c>, <c>all</c>); null takes every <c>fold_N</c> folder (nnU-Net's <c>-f</c>).</summary>
    public IReadOnlyList<string>? Folds { get; init; }

    /// <summary>Checkpoint file name in each fold folder (nnU-Net's <c>-chk</c>); it supplies the mirroring axes.</summary>
    public string CheckpointName { get; init; } = ModelFolderOptions.DefaultCheckpointName;

    /// <summary>
    /// Where conversions of checkpoint-only folds go when their fold folder cannot be written; null means a folder under
    /// the system temp folder. Writable folds keep their conversion beside the checkpoint.
    /// </summary>
    public string? ConversionCacheDirectory { get; init; }

    /// <summary>
    /// Device, threads, TTA, step size and memory budget. The model facts in it (mirroring axes, expected patch size
    /// and head count) are filled in from the model folder.
    /// </summary>
    public InferenceOptions Inference { get; init; } = new();
}
