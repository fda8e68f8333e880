using SegEngine.Model.Checkpoints;

namespace SegEngine.Model;

/// <summary>
/// What the model folder says about the network of every fold, built by <see cref="ModelFolder"/> from plans.json,
/// dataset.json and the first checkpoint: the tensors each fold's ONNX export must have (see <see cref="OnnxSignature"/>)
/// and the axes the sliding window may mirror along.
/// </summary>
/// <remarks>
/// n_in and n_out as <c>nnUNetPredictor.initialize_from_trained_model_folder</c> builds the network (nnunet-parity.md §1.4):
/// channels plus foreground labels for a cascade stage in, label-manager heads out.
/// </remarks>
/// <param name="Configuration">The configuration in use; its patch size is the network's spatial extent.</param>
/// <param name="PlansPath">The plans.json the configuration comes from, for messages.</param>
/// <param name="InputChannels">Image channels, plus one per foreground label for a cascade stage.</param>
/// <param name="HeadCount">Network output channels K (<see cref="LabelManager.HeadCount"/>).</param>
/// <param name="MirroringAxes">
/// The first fold's checkpoint's <c>inference_allowed_mirroring_axes</c> in patch axes, in its order; none when the
/// checkpoint has <c>None</c> or no such key (nnU-Net then never mirrors, e.g. after <c>nnUNetTrainer_noMirroring</c>);
/// every patch axis (nnU-Net's default trainer) only when there is no checkpoint to ask.
/// </param>
internal sealed record NetworkFacts(ConfigurationPlan Configuration, string PlansPath, int InputChannels, int HeadCount, IReadOnlyList<int> MirroringAxes)
{
    public IReadOnlyList<int> PatchSize => Configuration.PatchSize;

    /// <summary>The facts of <paramref name="configuration"/>, given the first fold's checkpoint (null when it has none).</summary>
    public static NetworkFacts Of(ConfigurationPlan configuration, PlansInfo plans, DatasetInfo dataset, CheckpointMetadata? firstCheckpoint) =>
        new(
            configuration,
            plans.Path,
            dataset.ChannelNames.Count + (configuration.PreviousStage is null ? 0 : dataset.Labels.ForegroundLabels.Count),
            dataset.Labels.HeadCount,
            firstCheckpoint is null ? [.. Enumerable.Range(0, configuration.PatchSize.Length)] : firstCheckpoint.MirroringAxes ?? []);
}
