namespace SegEngine.Model.Checkpoints;

/// <summary>
/// What inference needs from a fold's <c>checkpoint_final.pth</c> besides the weights (which come from the ONNX file).
/// </summary>
/// <remarks>
/// Read the way <c>nnUNetPredictor.initialize_from_trained_model_folder</c> reads it (nnunet-parity.md §1.4): a missing
/// <c>inference_allowed_mirroring_axes</c> means no mirroring.
/// </remarks>
/// <param name="Path">The checkpoint file.</param>
/// <param name="MirroringAxes"><c>inference_allowed_mirroring_axes</c> (spatial axes of the network input), or null for none.</param>
/// <param name="TrainerName"><c>trainer_name</c>, e.g. <c>nnUNetTrainer</c>.</param>
/// <param name="Configuration"><c>init_args.configuration</c>, e.g. <c>3d_fullres</c>.</param>
/// <param name="Fold"><c>init_args.fold</c> as text (<c>0</c>…<c>4</c> or <c>all</c>).</param>
/// <param name="Epoch"><c>current_epoch</c>.</param>
internal sealed record CheckpointMetadata(string Path, int[]? MirroringAxes, string? TrainerName, string? Configuration, string? Fold, long? Epoch)
{
    /// <summary><c>_best_ema</c>: the best exponential moving average of the validation foreground Dice (a NumPy float in nnU-Net's files).</summary>
    public double? BestEmaDice { get; init; }

    /// <summary>Reads the metadata; a malformed file is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static CheckpointMetadata Read(string path) => FromCheckpoint(TorchCheckpoint.Open(path));

    internal static CheckpointMetadata FromCheckpoint(TorchCheckpoint checkpoint)
    {
        string path = checkpoint.Path;
        if (checkpoint.Root is not PickleDict root)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: the checkpoint is not a dict; not an nnU-Net checkpoint");
        }

        PickleDict? initArgs = null;
        if (root.TryGetValue("init_args", out object? initArgsValue) && initArgsValue is not null)
        {
            initArgs = initArgsValue as PickleDict
                ?? throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: init_args is not a dict");
        }

        return new CheckpointMetadata(
            path,
            ReadMirroringAxes(root, path),
            OptionalString(root, "trainer_name", path),
            initArgs is null ? null : OptionalString(initArgs, "configuration", path),
            initArgs is null ? null : ReadFold(initArgs, path),
            root.TryGetValue("current_epoch", out object? epoch) && epoch is long epochNumber ? epochNumber : null)
        {
            BestEmaDice = root.TryGetValue("_best_ema", out object? ema) ? NumPyValues.AsReal(ema, $"{path}: _best_ema") : null,
        };
    }

    private static int[]? ReadMirroringAxes(PickleDict root, string path)
    {
        if (!root.TryGetValue("inference_allowed_mirroring_axes", out object? value) || value is null)
        {
            return null;
        }

        IReadOnlyList<object?> items = value switch
        {
            PickleTuple tuple => tuple.Items,
            List<object?> list => list,
            _ => throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: inference_allowed_mirroring_axes must be a tuple or None"),
        };

        int[] axes = new int[items.Count];
        for (int i = 0; i < axes.Length; i++)
        {
            if (items[i] is not long axis || axis is < 0 or > 2)
            {
                throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: inference_allowed_mirroring_axes[{i}] must be 0, 1 or 2");
            }

            axes[i] = (int)axis;
        }

        return axes;
    }

    private static string? ReadFold(PickleDict initArgs, string path) =>
        initArgs.TryGetValue("fold", out object? fold)
            ? fold switch
            {
                null => null,
                long number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string text => text,
                _ => throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: init_args.fold must be an int or 'all'"),
            }
            : null;

    private static string? OptionalString(PickleDict dict, string key, string path) =>
        dict.TryGetValue(key, out object? value)
            ? value switch
            {
                null => null,
                string text => text,
                _ => throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: {key} must be a string"),
            }
            : null;
}
