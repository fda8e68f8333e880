namespace SegEngine.Model;

/// <summary>
/// The network topology a configuration was trained with (plans <c>architecture.arch_kwargs</c>): reported, checked
/// against the patch size, and rebuilt as an ONNX graph when a checkpoint is converted.
/// </summary>
/// <remarks>
/// Legacy plans without <c>architecture</c> are converted as nnU-Net's <c>ConfigurationManager.__init__</c> does
/// (nnunet-parity.md §1.3): features min(base·2^i, max), InstanceNorm eps 1e-5 affine, LeakyReLU, conv bias.
/// Architecture as in nnunet-parity.md §6.
/// </remarks>
/// <param name="NetworkClassName">Dotted class name, e.g. <c>dynamic_network_architectures.architectures.unet.ResidualEncoderUNet</c>.</param>
/// <param name="StageCount"><c>n_stages</c>.</param>
/// <param name="FeaturesPerStage"><c>features_per_stage</c>.</param>
/// <param name="KernelSizes"><c>kernel_sizes</c>, one per stage.</param>
/// <param name="Strides"><c>strides</c>, one per stage.</param>
/// <param name="BlocksPerStage"><c>n_blocks_per_stage</c> (residual encoders) or <c>n_conv_per_stage</c> (plain encoders).</param>
/// <param name="DecoderConvsPerStage"><c>n_conv_per_stage_decoder</c>, one per decoder stage.</param>
/// <param name="ConvOp"><c>conv_op</c>, e.g. <c>torch.nn.modules.conv.Conv3d</c>.</param>
/// <param name="NormOp"><c>norm_op</c>, or null.</param>
/// <param name="Nonlin"><c>nonlin</c>, or null.</param>
/// <param name="ConvBias"><c>conv_bias</c>.</param>
/// <param name="ConvertedFromLegacyPlans">The plans had no <c>architecture</c> and it was reconstructed.</param>
internal sealed record ArchitectureSummary(
    string NetworkClassName,
    int StageCount,
    int[] FeaturesPerStage,
    int[][] KernelSizes,
    int[][] Strides,
    int[] BlocksPerStage,
    int[] DecoderConvsPerStage,
    string ConvOp,
    string? NormOp,
    string? Nonlin,
    bool ConvBias,
    bool ConvertedFromLegacyPlans)
{
    /// <summary>Where the architecture was read from, for error messages, e.g. <c>plans.json: configurations.2d.architecture.arch_kwargs</c>.</summary>
    public string Source { get; init; } = "";

    /// <summary><c>norm_op_kwargs.eps</c> (torch's default 1e-5).</summary>
    public double NormEpsilon { get; init; } = 1e-5;

    /// <summary><c>norm_op_kwargs.affine</c> (torch's InstanceNorm default: false).</summary>
    public bool NormAffine { get; init; }

    /// <summary><c>norm_op_kwargs.track_running_stats</c>: running statistics would replace the per-tile ones at inference.</summary>
    public bool NormTracksRunningStats { get; init; }

    /// <summary><c>nonlin_kwargs.negative_slope</c> of LeakyReLU (torch's default 0.01).</summary>
    public double NonlinNegativeSlope { get; init; } = 0.01;

    /// <summary><c>dropout_op</c>, or null; an identity at inference, but it shifts the <c>all_modules</c> indices.</summary>
    public string? DropoutOp { get; init; }

    /// <summary><c>nonlin_first</c> (PlainConvUNet): conv → nonlin → norm instead of conv → norm → nonlin.</summary>
    public bool NonlinFirst { get; init; }

    /// <summary><c>stem_channels</c> of a residual encoder; null means <c>features_per_stage[0]</c>.</summary>
    public int? StemChannels { get; init; }

    /// <summary><c>block</c> of a residual encoder; null means BasicBlockD.</summary>
    public string? Block { get; init; }

    /// <summary>arch_kwargs keys that neither network class of dynamic-network-architectures takes.</summary>
    public IReadOnlyList<string> UnknownKwargs { get; init; } = [];

    /// <summary>The class name without its module, e.g. <c>ResidualEncoderUNet</c>.</summary>
    public string ShortClassName => NetworkClassName[(NetworkClassName.LastIndexOf('.') + 1)..];

    /// <summary>Product of the strides per spatial axis: the patch size must be a multiple of it.</summary>
    public int[] TotalStride()
    {
        int[] total = new int[Strides[0].Length];
        for (int axis = 0; axis < total.Length; axis++)
        {
            long product = 1;
            foreach (int[] stride in Strides)
            {
                product = Math.Min(product * stride[axis], int.MaxValue);
            }

            total[axis] = (int)product;
        }

        return total;
    }

    internal static ArchitectureSummary Parse(IReadOnlyDictionary<string, JsonField> configuration, JsonField where, int spatialDims)
    {
        ArchitectureSummary summary = configuration.TryGetValue("architecture", out JsonField architecture)
            ? FromArchitecture(architecture)
            : FromLegacy(configuration, where, spatialDims);
        summary.Validate(where, spatialDims);
        return summary;
    }

    private static readonly HashSet<string> KnownKwargs =
    [
        "n_stages", "features_per_stage", "conv_op", "kernel_sizes", "strides", "n_blocks_per_stage", "n_conv_per_stage",
        "n_conv_per_stage_decoder", "conv_bias", "norm_op", "norm_op_kwargs", "dropout_op", "dropout_op_kwargs", "nonlin",
        "nonlin_kwargs", "nonlin_first", "stem_channels", "block", "bottleneck_channels",
    ];

    private static ArchitectureSummary FromArchitecture(JsonField architecture)
    {
        JsonField kwargs = architecture.Required("arch_kwargs");
        JsonField? normKwargs = NonNull(kwargs, "norm_op_kwargs");
        JsonField? nonlinKwargs = NonNull(kwargs, "nonlin_kwargs");
        JsonField blocks = kwargs.Optional("n_blocks_per_stage") ?? kwargs.Optional("n_conv_per_stage")
            ?? throw kwargs.Error("has neither n_blocks_per_stage nor n_conv_per_stage");
        return new ArchitectureSummary(
            architecture.Required("network_class_name").AsString(),
            kwargs.Required("n_stages").AsInt(),
            kwargs.Required("features_per_stage").AsIntArray(),
            kwargs.Required("kernel_sizes").AsIntMatrix(),
            kwargs.Required("strides").AsIntMatrix(),
            blocks.AsIntArray(),
            kwargs.Required("n_conv_per_stage_decoder").AsIntArray(),
            kwargs.Required("conv_op").AsString(),
            OptionalString(kwargs, "norm_op"),
            OptionalString(kwargs, "nonlin"),
            kwargs.Optional("conv_bias") is JsonField bias && bias.AsBool(),
            ConvertedFromLegacyPlans: false)
        {
            Source = $"{kwargs.File}: {kwargs.Path}",
            NormEpsilon = normKwargs?.Optional("eps")?.AsDouble() ?? 1e-5,
            NormAffine = normKwargs?.Optional("affine")?.AsBool() ?? false,
            NormTracksRunningStats = normKwargs?.Optional("track_running_stats")?.AsBool() ?? false,
            NonlinNegativeSlope = nonlinKwargs?.Optional("negative_slope")?.AsDouble() ?? 0.01,
            DropoutOp = OptionalString(kwargs, "dropout_op"),
            NonlinFirst = NonNull(kwargs, "nonlin_first")?.AsBool() ?? false,
            StemChannels = NonNull(kwargs, "stem_channels")?.AsInt(),
            Block = OptionalString(kwargs, "block"),
            UnknownKwargs = kwargs.Properties().Select(p => p.Key).Where(key => !KnownKwargs.Contains(key)).ToArray(),
        };
    }

    private static JsonField? NonNull(JsonField parent, string key) =>
        parent.Optional(key) is JsonField value && !value.IsNull ? value : null;

    private static ArchitectureSummary FromLegacy(IReadOnlyDictionary<string, JsonField> configuration, JsonField where, int spatialDims)
    {
        JsonField Field(string key) =>
            configuration.TryGetValue(key, out JsonField value)
                ? value
                : throw where.Error($"has neither architecture nor the legacy key {key}");

        string className = Field("UNet_class_name").AsString() switch
        {
            "PlainConvUNet" => "dynamic_network_architectures.architectures.unet.PlainConvUNet",
            "ResidualEncoderUNet" => "dynamic_network_architectures.architectures.residual_unet.ResidualEncoderUNet",
            string other => throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{where.File}: {where.Path}.UNet_class_name '{other}' cannot be converted from legacy plans (only PlainConvUNet and ResidualEncoderUNet)"),
        };
        int[] encoderConvs = Field("n_conv_per_stage_encoder").AsIntArray();
        int baseFeatures = Field("UNet_base_num_features").AsInt();
        int maxFeatures = Field("unet_max_num_features").AsInt();
        int[] features = new int[encoderConvs.Length];
        for (int stage = 0; stage < features.Length; stage++)
        {
            features[stage] = (int)Math.Min((long)baseFeatures << Math.Min(stage, 32), maxFeatures);
        }

        string dims = spatialDims == 2 ? "2d" : "3d";
        return new ArchitectureSummary(
            className,
            encoderConvs.Length,
            features,
            Field("conv_kernel_sizes").AsIntMatrix(),
            Field("pool_op_kernel_sizes").AsIntMatrix(),
            encoderConvs,
            Field("n_conv_per_stage_decoder").AsIntArray(),
            $"torch.nn.modules.conv.Conv{dims}",
            $"torch.nn.modules.instancenorm.InstanceNorm{dims}",
            "torch.nn.LeakyReLU",
            ConvBias: true,
            ConvertedFromLegacyPlans: true)
        {
            Source = $"{where.File}: {where.Path}",
            NormAffine = true,
        };
    }

    private static string? OptionalString(JsonField parent, string key) => NonNull(parent, key)?.AsString();

    private void Validate(JsonField where, int spatialDims)
    {
        if (StageCount < 1)
        {
            throw where.Error($"architecture n_stages must be at least 1, found {StageCount}");
        }

        CheckLength("features_per_stage", FeaturesPerStage.Length, StageCount);
        CheckLength("kernel_sizes", KernelSizes.Length, StageCount);
        CheckLength("strides", Strides.Length, StageCount);
        CheckLength("blocks per stage", BlocksPerStage.Length, StageCount);
        CheckLength("n_conv_per_stage_decoder", DecoderConvsPerStage.Length, StageCount - 1);
        for (int stage = 0; stage < StageCount; stage++)
        {
            CheckLength($"kernel_sizes[{stage}]", KernelSizes[stage].Length, spatialDims);
            CheckLength($"strides[{stage}]", Strides[stage].Length, spatialDims);
            if (Strides[stage].Any(s => s < 1) || KernelSizes[stage].Any(k => k < 1) || FeaturesPerStage[stage] < 1)
            {
                throw where.Error($"architecture stage {stage} has a kernel, stride or width below 1");
            }
        }

        void CheckLength(string name, int actual, int expected)
        {
            if (actual != expected)
            {
                throw where.Error($"architecture {name} has {actual} entries, expected {expected}");
            }
        }
    }
}
