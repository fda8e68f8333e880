using SegEngine.Model.Checkpoints;

namespace SegEngine.Model;

/// <summary>One fold of a trained model: <c>fold_N/</c> or <c>fold_all/</c>, with its ONNX export and checkpoint.</summary>
/// <param name="Name">The folder name, e.g. <c>fold_0</c>.</param>
/// <param name="Directory">The folder's full path.</param>
/// <param name="OnnxPath">The ONNX export, or null when absent (the checkpoint is then converted on first use).</param>
/// <param name="CheckpointPath">The checkpoint, or null when absent (same condition).</param>
/// <param name="Checkpoint">The checkpoint's metadata when the checkpoint exists.</param>
/// <param name="Onnx">The ONNX export's inputs and outputs when it exists, already checked against the model folder.</param>
internal sealed record FoldInfo(
    string Name,
    string Directory,
    string? OnnxPath,
    string? CheckpointPath,
    CheckpointMetadata? Checkpoint,
    OnnxSignature? Onnx);
