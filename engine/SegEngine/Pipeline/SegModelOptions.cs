using SegEngine.Inference;
using SegEngine.Model;

namespace SegEngine.Pipeline;

/// <summary>How <see cref="SegModel.Load(string, SegModelOptions?)"/> picks the model's parts and runs it.</summary>
public sealed record SegModelOptions
{
    /// <summary>What to load from the model folder; the public properties below read and set its fields.</summary>
    internal ModelFolderOptions Folder { get; init; } = new();

    /// <summary>The configuration to use when the folder is a dataset folder holding several (nnU-Net's <c>-c</c>).</summary>
    public string? Configuration
    {
        get => Folder.Configuration;
        init => Folder = Folder with { Configuration = value };
    }

    /// <summary>Fold names or numbers (<c>0</c>, <c>fold_0</c>, <c>all</c>); null takes every <c>fold_N</c> folder (nnU-Net's <c>-f</c>).</summary>
    public IReadOnlyList<string>? Folds
    {
        get => Folder.Folds;
        init => Folder = Folder with { Folds = value };
    }

    /// <summary>Checkpoint file name in each fold folder (nnU-Net's <c>-chk</c>); it supplies the mirroring axes.</summary>
    public string CheckpointName
    {
        get => Folder.CheckpointName;
        init => Folder = Folder with { CheckpointName = value };
    }

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
