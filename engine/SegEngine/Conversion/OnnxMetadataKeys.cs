namespace SegEngine.Conversion;

/// <summary>
/// The <c>metadata_props</c> keys of the models SegEngine writes: the plans facts a model was made for, and where its
/// weights came from, so that a model file found alone still says what it is.
/// </summary>
internal static class OnnxMetadataKeys
{
    /// <summary>The configuration, e.g. <c>3d_fullres</c>.</summary>
    public const string Configuration = "nnunet.configuration";

    /// <summary>The patch size, comma-separated.</summary>
    public const string PatchSize = "nnunet.patch_size";

    /// <summary>The checkpoint's <c>inference_allowed_mirroring_axes</c>, comma-separated; <c>none</c> when mirroring is not allowed.</summary>
    public const string MirroringAxes = "nnunet.inference_allowed_mirroring_axes";

    /// <summary>The trainer class, e.g. <c>nnUNetTrainer</c>.</summary>
    public const string Trainer = "nnunet.trainer_name";

    /// <summary>The plans identifier, e.g. <c>nnUNetResEncUNetMPlans</c>.</summary>
    public const string Plans = "nnunet.plans_name";

    /// <summary>The network class, e.g. <c>ResidualEncoderUNet</c>.</summary>
    public const string Network = "nnunet.network_class_name";

    /// <summary>The number of learnable scalars of the full network (deep-supervision heads included).</summary>
    public const string ParameterCount = "segengine.parameter_count";

    /// <summary>Where the weights came from: the checkpoint file name, or <c>synthetic seed S</c>.</summary>
    public const string Source = "segengine.source";

    /// <summary>Identifies the exact source checkpoint file and converter version; a cached conversion is reused only when it matches.</summary>
    public const string SourceFingerprint = "segengine.source_fingerprint";
}
