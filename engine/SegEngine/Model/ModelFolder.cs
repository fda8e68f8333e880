using System.Globalization;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Model;

/// <summary>
/// A trained nnU-Net model folder (<c>{trainer}__{plans}__{configuration}/</c> with dataset.json, plans.json and
/// <c>fold_N/</c>), loaded and cross-checked: plans against dataset.json, every fold's ONNX export against the plans,
/// the checkpoints' metadata against the folder.
/// </summary>
/// <remarks>
/// The loading of <c>nnUNetPredictor.initialize_from_trained_model_folder</c> (nnunet-parity.md §1.1–§1.4, §7). Differences:
/// the network comes from each fold's ONNX export instead of the checkpoint's weights, and the configuration is taken
/// from the folder name (or <c>-c</c>); the first fold's <c>init_args.configuration</c> is only compared with it.
/// </remarks>
internal sealed class ModelFolder
{
    private const string FoldPrefix = "fold_";
    private const string AllFoldsName = "fold_all";

    private ModelFolder(
        string directory,
        string? trainerName,
        string? plansName,
        DatasetInfo dataset,
        PlansInfo plans,
        ConfigurationPlan configuration,
        IReadOnlyList<FoldInfo> folds,
        NetworkFacts network,
        IReadOnlyList<string> warnings)
    {
        Directory = directory;
        TrainerName = trainerName;
        PlansName = plansName;
        Dataset = dataset;
        Plans = plans;
        Configuration = configuration;
        Folds = folds;
        Network = network;
        Warnings = warnings;
    }

    /// <summary>The training output folder that was loaded (resolved from a dataset folder when needed).</summary>
    public string Directory { get; }

    /// <summary>From the folder name, else from the first checkpoint; null when neither says.</summary>
    public string? TrainerName { get; }

    /// <summary>The plans identifier from the folder name (e.g. <c>nnUNetResEncUNetMPlans</c>), else the plans' <c>plans_name</c>.</summary>
    public string? PlansName { get; }

    public DatasetInfo Dataset { get; }

    public PlansInfo Plans { get; }

    public ConfigurationPlan Configuration { get; }

    public IReadOnlyList<FoldInfo> Folds { get; }

    public LabelManager Labels => Dataset.Labels;

    /// <summary>What every fold's network must take and give, and how the sliding window may mirror it.</summary>
    public NetworkFacts Network { get; }

    /// <summary>Network input channels: image channels, plus one per foreground label for a cascade stage.</summary>
    public int InputChannels => Network.InputChannels;

    /// <summary>The first fold's <c>inference_allowed_mirroring_axes</c> (nnU-Net uses the first fold's); null: no mirroring or unknown.</summary>
    public int[]? MirroringAxes => Folds[0].Checkpoint?.MirroringAxes;

    /// <summary>Disagreements that nnU-Net tolerates (checkpoint vs folder names) and, when allowed, missing fold files.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <inheritdoc cref="Load(string, ModelFolderOptions)"/>
    public static ModelFolder Load(
        string path,
        string? configuration = null,
        IReadOnlyList<string>? folds = null,
        string checkpointName = ModelFolderOptions.DefaultCheckpointName) =>
        Load(path, new ModelFolderOptions { Configuration = configuration, Folds = folds, CheckpointName = checkpointName });

    /// <summary>
    /// Loads a model folder, or the one model folder of a dataset folder that matches the requested configuration.
    /// A missing or inconsistent part is a <see cref="SegEngineException"/> naming the path and the values involved.
    /// </summary>
    public static ModelFolder Load(string path, ModelFolderOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.CheckpointName);
        ArgumentException.ThrowIfNullOrEmpty(options.OnnxName);

        string directory = ResolveTrainingFolder(Path.GetFullPath(path), options.Configuration);
        FolderName? folderName = FolderName.Parse(Path.GetFileName(directory));
        if (options.Configuration is string requested && folderName is not null && folderName.Configuration != requested)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"configuration '{requested}' was requested, but {directory} holds configuration '{folderName.Configuration}'");
        }

        DatasetInfo dataset = DatasetInfo.Load(Path.Combine(directory, "dataset.json"));
        PlansInfo plans = PlansInfo.Load(Path.Combine(directory, "plans.json"));
        var warnings = new List<string>();

        var foldFolders = SelectFolds(directory, options.Folds);
        var checkpoints = new List<(string? Path, CheckpointMetadata? Metadata)>();
        foreach ((string _, string foldDirectory) in foldFolders)
        {
            string? checkpointPath = RequireFile(Path.Combine(foldDirectory, options.CheckpointName), options, warnings);
            checkpoints.Add((checkpointPath, checkpointPath is null ? null : CheckpointMetadata.Read(checkpointPath)));
        }

        CheckpointMetadata? first = checkpoints[0].Metadata;
        string configurationName = options.Configuration ?? folderName?.Configuration ?? first?.Configuration
            ?? throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{directory}: the folder name does not say the configuration and no checkpoint does; choose one of {string.Join(", ", plans.ConfigurationNames)} with -c");
        ConfigurationPlan configuration = plans.GetConfiguration(configurationName, !options.DescribeUnsupported);
        CompareWithCheckpoints(checkpoints.Select(c => c.Metadata), configurationName, folderName?.Trainer, configuration, warnings);
        CheckPlansAgainstDataset(plans, dataset, configuration);

        NetworkFacts network = NetworkFacts.Of(configuration, plans, dataset, first);
        var folds = new List<FoldInfo>(foldFolders.Count);
        for (int i = 0; i < foldFolders.Count; i++)
        {
            (string name, string foldDirectory) = foldFolders[i];
            // A fold with only its checkpoint is complete: the checkpoint converts to ONNX on first use.
            string onnxCandidate = Path.Combine(foldDirectory, options.OnnxName);
            string? onnxPath = options.IgnoreOnnx || (!File.Exists(onnxCandidate) && checkpoints[i].Path is not null)
                ? null
                : RequireFile(onnxCandidate, options, warnings);
            OnnxSignature? onnx = onnxPath is null ? null : OnnxSignature.Read(onnxPath, network);
            folds.Add(new FoldInfo(name, foldDirectory, onnxPath, checkpoints[i].Path, checkpoints[i].Metadata, onnx));
        }

        return new ModelFolder(
            directory,
            folderName?.Trainer ?? first?.TrainerName,
            folderName?.Plans ?? plans.PlansName,
            dataset,
            plans,
            configuration,
            folds,
            network,
            warnings);
    }

    /// <summary>A path holding plans.json is a model folder; otherwise it must be a dataset folder with exactly one matching model folder.</summary>
    private static string ResolveTrainingFolder(string path, string? configuration)
    {
        if (!System.IO.Directory.Exists(path))
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"model folder {path} does not exist");
        }

        if (File.Exists(Path.Combine(path, "plans.json")))
        {
            return path;
        }

        string[] candidates = System.IO.Directory.GetDirectories(path)
            .Where(dir => FolderName.Parse(Path.GetFileName(dir)) is not null && File.Exists(Path.Combine(dir, "plans.json")))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (candidates.Length == 0)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"missing file {Path.Combine(path, "plans.json")}: {path} is neither a model folder nor a dataset folder holding {{trainer}}__{{plans}}__{{configuration}} model folders");
        }

        string Names(IEnumerable<string> dirs) => string.Join(", ", dirs.Select(Path.GetFileName));
        string[] matching = configuration is null
            ? candidates
            : candidates.Where(dir => FolderName.Parse(Path.GetFileName(dir))!.Configuration == configuration).ToArray();
        return matching.Length switch
        {
            1 => matching[0],
            0 => throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{path} has no model folder for configuration '{configuration}' (available: {Names(candidates)})"),
            _ => throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{path} holds several model folders{(configuration is null ? "" : $" for configuration '{configuration}'")}: {Names(matching)}; " +
                (configuration is null ? "choose one with -c or point -m at one of them" : "point -m at one of them")),
        };
    }

    private static List<(string Name, string Directory)> SelectFolds(string directory, IReadOnlyList<string>? requested)
    {
        var names = new List<string>();
        if (requested is null)
        {
            var numbered = new SortedDictionary<int, string>();
            foreach (string dir in System.IO.Directory.GetDirectories(directory, FoldPrefix + "*"))
            {
                string name = Path.GetFileName(dir);
                if (int.TryParse(name.AsSpan(FoldPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int fold)
                    && name == FoldPrefix + fold.ToString(CultureInfo.InvariantCulture))
                {
                    numbered[fold] = name;
                }
            }

            // Like nnU-Net's auto-detection, numbered folds are the ensemble; fold_all is used when it is the only fold.
            names.AddRange(numbered.Values);
            if (names.Count == 0 && System.IO.Directory.Exists(Path.Combine(directory, AllFoldsName)))
            {
                names.Add(AllFoldsName);
            }

            if (names.Count == 0)
            {
                throw new SegEngineException(SegErrorCode.InvalidModel, $"{directory} has no fold_N or fold_all folder");
            }
        }
        else
        {
            if (requested.Count == 0)
            {
                throw new SegEngineException(SegErrorCode.InvalidInput, "no folds were requested");
            }

            foreach (string fold in requested)
            {
                string name = fold == "all"
                    ? AllFoldsName
                    : int.TryParse(fold, NumberStyles.None, CultureInfo.InvariantCulture, out int number)
                        ? FoldPrefix + number.ToString(CultureInfo.InvariantCulture)
                        : throw new SegEngineException(SegErrorCode.InvalidInput, $"fold '{fold}' must be a non-negative integer or 'all'");
                if (names.Contains(name))
                {
                    throw new SegEngineException(SegErrorCode.InvalidInput, $"fold '{fold}' is requested twice");
                }

                names.Add(name);
            }
        }

        var folds = new List<(string, string)>(names.Count);
        foreach (string name in names)
        {
            string foldDirectory = Path.Combine(directory, name);
            if (!System.IO.Directory.Exists(foldDirectory))
            {
                throw new SegEngineException(SegErrorCode.InvalidModel, $"missing fold folder {foldDirectory}");
            }

            folds.Add((name, foldDirectory));
        }

        return folds;
    }

    private static string? RequireFile(string path, ModelFolderOptions options, List<string> warnings)
    {
        if (File.Exists(path))
        {
            return path;
        }

        if (!options.AllowIncompleteFolds)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"missing file {path}");
        }

        warnings.Add($"missing file {path}");
        return null;
    }

    private static void CompareWithCheckpoints(
        IEnumerable<CheckpointMetadata?> checkpoints,
        string configurationName,
        string? folderTrainer,
        ConfigurationPlan configuration,
        List<string> warnings)
    {
        CheckpointMetadata? first = null;
        foreach (CheckpointMetadata? checkpoint in checkpoints)
        {
            if (checkpoint is null)
            {
                continue;
            }

            if (checkpoint.MirroringAxes is int[] axes && axes.Any(axis => axis >= configuration.PatchSize.Length))
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"{checkpoint.Path}: inference_allowed_mirroring_axes ({string.Join(", ", axes)}) exceed the {configuration.PatchSize.Length} spatial axes of configuration '{configuration.Name}'");
            }

            if (first is null)
            {
                first = checkpoint;
                if (checkpoint.Configuration is string trained && trained != configurationName)
                {
                    warnings.Add($"{checkpoint.Path}: init_args.configuration is '{trained}', but configuration '{configurationName}' is used");
                }

                if (checkpoint.TrainerName is string trainer && folderTrainer is not null && trainer != folderTrainer)
                {
                    warnings.Add($"{checkpoint.Path}: trainer_name is '{trainer}', but the folder name says '{folderTrainer}'");
                }
            }
            else if (!AxesEqual(first.MirroringAxes, checkpoint.MirroringAxes))
            {
                warnings.Add($"{checkpoint.Path}: mirroring axes differ from {first.Path}; the first fold's are used");
            }
        }
    }

    private static bool AxesEqual(int[]? a, int[]? b) =>
        a is null ? b is null : b is not null && a.SequenceEqual(b);

    private static void CheckPlansAgainstDataset(PlansInfo plans, DatasetInfo dataset, ConfigurationPlan configuration)
    {
        int channels = dataset.ChannelNames.Count;
        if (configuration.NormalizationSchemes.Length != channels)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"{plans.Path}: configuration '{configuration.Name}' has {configuration.NormalizationSchemes.Length} normalization_schemes, but {dataset.Path} names {channels} channels");
        }

        for (int channel = 0; channel < channels; channel++)
        {
            if (configuration.NormalizationSchemes[channel] == NormalizationScheme.CTNormalization && channel >= plans.IntensityProperties.Count)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"{plans.Path}: channel {channel} uses CTNormalization but foreground_intensity_properties_per_channel has no entry \"{channel}\"");
            }
        }
    }

    /// <summary>The parts of a <c>{trainer}__{plans}__{configuration}</c> folder name.</summary>
    private sealed record FolderName(string Trainer, string Plans, string Configuration)
    {
        public static FolderName? Parse(string name)
        {
            string[] parts = name.Split("__");
            return parts.Length == 3 && parts.All(part => part.Length > 0) ? new FolderName(parts[0], parts[1], parts[2]) : null;
        }
    }
}
