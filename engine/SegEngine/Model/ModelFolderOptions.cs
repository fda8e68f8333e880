namespace SegEngine.Model;

/// <summary>What to load from a model folder; defaults match <c>nnUNetv2_predict_from_modelfolder</c>.</summary>
internal sealed record ModelFolderOptions
{
    public const string DefaultCheckpointName = "checkpoint_final.pth";

    public const string DefaultOnnxName = "model.onnx";

    /// <summary>The configuration (<c>-c</c>); required only when the path is a dataset folder holding several.</summary>
    public string? Configuration { get; init; }

    /// <summary>Folds as <c>-f</c> takes them (<c>0</c>, <c>1</c>, …, or <c>all</c>); null selects every <c>fold_N</c> folder present.</summary>
    public IReadOnlyList<string>? Folds { get; init; }

    /// <summary>The checkpoint file name in each fold folder (<c>-chk</c>).</summary>
    public string CheckpointName { get; init; } = DefaultCheckpointName;

    /// <summary>The ONNX export's file name in each fold folder.</summary>
    public string OnnxName { get; init; } = DefaultOnnxName;

    /// <summary>
    /// Accept folds that lack their ONNX export or checkpoint (reported in <see cref="ModelFolder.Warnings"/>), for
    /// inspection; prediction needs complete folds.
    /// </summary>
    public bool AllowIncompleteFolds { get; init; }

    /// <summary>Keep resampling functions SegEngine cannot run (described in the configuration) instead of refusing the model, for inspection.</summary>
    public bool DescribeUnsupported { get; init; }

    /// <summary>Leave the folds' ONNX exports unread (<c>segengine convert</c> replaces them, so a broken one must not stop it).</summary>
    public bool IgnoreOnnx { get; init; }
}
