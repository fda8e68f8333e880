using System.Text.Json;

namespace SegEngine.Model;

/// <summary>One configuration of plans.json (<c>2d</c>, <c>3d_fullres</c>, …) after <c>inherits_from</c> is resolved.</summary>
/// <remarks>The fields nnU-Net's <c>ConfigurationManager</c> exposes to inference (nnunet-parity.md §1.3).</remarks>
internal sealed class ConfigurationPlan
{
    private const string DefaultPreprocessor = "DefaultPreprocessor";

    /// <summary>nnU-Net's <c>ANISO_THRESHOLD</c>, the only separate-z threshold SegEngine implements (nnunet-parity.md §3.5).</summary>
    private const double AnisotropyThreshold = 3;

    private ConfigurationPlan(
        string name,
        double[] spacing,
        int[] patchSize,
        NormalizationScheme[] normalizationSchemes,
        bool[] useMaskForNorm,
        ResamplingSpec resamplingData,
        ResamplingSpec resamplingSeg,
        ResamplingSpec resamplingProbabilities,
        ArchitectureSummary architecture,
        string? previousStage,
        IReadOnlyList<string> nextStages)
    {
        Name = name;
        Spacing = spacing;
        PatchSize = patchSize;
        NormalizationSchemes = normalizationSchemes;
        UseMaskForNorm = useMaskForNorm;
        ResamplingData = resamplingData;
        ResamplingSeg = resamplingSeg;
        ResamplingProbabilities = resamplingProbabilities;
        Architecture = architecture;
        PreviousStage = previousStage;
        NextStages = nextStages;
    }

    public string Name { get; }

    /// <summary>Target spacing in transposed axis order; 2 entries for a 2-D configuration.</summary>
    public double[] Spacing { get; }

    /// <summary>The network's patch (tile) size; 2 entries for a 2-D configuration.</summary>
    public int[] PatchSize { get; }

    public bool Is2D => PatchSize.Length == 2;

    /// <summary>One per input channel (image channels only; cascade one-hot channels are not normalised).</summary>
    public NormalizationScheme[] NormalizationSchemes { get; }

    public bool[] UseMaskForNorm { get; }

    public ResamplingSpec ResamplingData { get; }

    public ResamplingSpec ResamplingSeg { get; }

    public ResamplingSpec ResamplingProbabilities { get; }

    public ArchitectureSummary Architecture { get; }

    /// <summary>The low-resolution configuration whose prediction a cascade stage takes as extra input.</summary>
    public string? PreviousStage { get; }

    /// <summary>The first configuration that continues from this one, if any.</summary>
    public string? NextStage => NextStages.Count > 0 ? NextStages[0] : null;

    /// <summary>All of <c>next_stage</c> (a string or a list in the plans).</summary>
    public IReadOnlyList<string> NextStages { get; }

    /// <summary>A patch axis longer than this is no trained network's; it would only make every tile buffer absurd.</summary>
    private const int MaxPatchAxis = 4096;

    /// <summary>
    /// The target spacings a plan may name, in mm: a nanometre to a kilometre. Outside them every case's resampled shape
    /// is absurd (1e300 overflows it), so the model is refused at load instead of every case later.
    /// </summary>
    private const double MinSpacing = 1e-6;

    private const double MaxSpacing = 1e6;

    internal static ConfigurationPlan Parse(string name, IReadOnlyDictionary<string, JsonField> fields, JsonField where)
    {
        JsonField Required(string key) =>
            fields.TryGetValue(key, out JsonField value) ? value : throw where.Error($"has no key '{key}' (after inherits_from)");

        JsonField patchField = Required("patch_size");
        int[] patchSize = patchField.AsIntArray();
        if (patchSize.Length is not (2 or 3) || patchSize.Any(size => size is < 1 or > MaxPatchAxis))
        {
            throw patchField.Error($"must be 2 or 3 sizes from 1 to {MaxPatchAxis}, found {patchField.Describe()}");
        }

        JsonField spacingField = Required("spacing");
        double[] spacing = spacingField.AsDoubleArray();
        if (spacing.Length != patchSize.Length || spacing.Any(value => !(value >= MinSpacing && value <= MaxSpacing)))
        {
            throw spacingField.Error(
                $"must be {patchSize.Length} spacings (one per patch axis) from 1e-6 to 1e6 mm, found {spacingField.Describe()}");
        }

        JsonField schemesField = Required("normalization_schemes");
        NormalizationScheme[] schemes = schemesField.Items().Select(ParseScheme).ToArray();
        JsonField maskField = Required("use_mask_for_norm");
        bool[] useMask = maskField.AsBoolArray();
        if (useMask.Length != schemes.Length)
        {
            throw maskField.Error($"has {useMask.Length} entries but normalization_schemes has {schemes.Length}");
        }

        if (fields.TryGetValue("preprocessor_name", out JsonField preprocessor) && !preprocessor.IsNull && preprocessor.AsString() != DefaultPreprocessor)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{preprocessor.File}: {preprocessor.Path} is '{preprocessor.AsString()}'; SegEngine implements only {DefaultPreprocessor}");
        }

        ArchitectureSummary architecture = ArchitectureSummary.Parse(fields, where, patchSize.Length);
        int[] totalStride = architecture.TotalStride();
        for (int axis = 0; axis < patchSize.Length; axis++)
        {
            if (patchSize[axis] % totalStride[axis] != 0)
            {
                throw patchField.Error(
                    $"has {patchSize[axis]} on axis {axis}, which is not a multiple of the network's total stride {totalStride[axis]} on that axis");
            }
        }

        return new ConfigurationPlan(
            name,
            spacing,
            patchSize,
            schemes,
            useMask,
            ParseResampling(fields, "resampling_fn_data", where),
            ParseResampling(fields, "resampling_fn_seg", where),
            ParseResampling(fields, "resampling_fn_probabilities", where),
            architecture,
            fields.TryGetValue("previous_stage", out JsonField previous) && !previous.IsNull ? previous.AsString() : null,
            ParseNextStages(fields));
    }

    private static NormalizationScheme ParseScheme(JsonField item)
    {
        string name = item.AsString();
        if (!Enum.GetNames<NormalizationScheme>().Contains(name, StringComparer.Ordinal))
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{item.File}: {item.Path} is the unknown normalisation scheme '{name}' (supported: {string.Join(", ", Enum.GetNames<NormalizationScheme>())})");
        }

        return Enum.Parse<NormalizationScheme>(name);
    }

    private static IReadOnlyList<string> ParseNextStages(IReadOnlyDictionary<string, JsonField> fields)
    {
        if (!fields.TryGetValue("next_stage", out JsonField next) || next.IsNull)
        {
            return [];
        }

        return next.Element.ValueKind == JsonValueKind.Array
            ? next.Items().Select(item => item.AsString()).ToArray()
            : [next.AsString()];
    }

    /// <summary>
    /// A <c>resampling_fn_*</c> name and its kwargs. Missing kwargs take the defaults of nnU-Net's
    /// <c>resample_data_or_seg_to_shape</c> signature (is_seg False, order 3, order_z 0, force_separate_z False).
    /// </summary>
    private static ResamplingSpec ParseResampling(IReadOnlyDictionary<string, JsonField> fields, string key, JsonField where)
    {
        if (!fields.TryGetValue(key, out JsonField function))
        {
            throw where.Error($"has no key '{key}'");
        }

        string functionName = function.AsString();
        if (functionName != ResamplingSpec.DefaultFunction)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{function.File}: {function.Path} is '{functionName}', which SegEngine does not support (only {ResamplingSpec.DefaultFunction} is implemented)");
        }

        bool isSeg = false;
        int order = 3;
        int orderZ = 0;
        bool? forceSeparateZ = false;
        if (fields.TryGetValue(key + "_kwargs", out JsonField kwargs) && !kwargs.IsNull)
        {
            foreach ((string name, JsonField value) in kwargs.Properties())
            {
                switch (name)
                {
                    case "is_seg":
                        isSeg = value.AsBool();
                        break;
                    case "order":
                        order = ParseOrder(value);
                        break;
                    case "order_z":
                        orderZ = ParseOrder(value);
                        break;
                    case "force_separate_z":
                        forceSeparateZ = value.IsNull ? null : value.AsBool();
                        break;
                    case "separate_z_anisotropy_threshold":
                        if (value.AsDouble() != AnisotropyThreshold)
                        {
                            throw new SegEngineException(
                                SegErrorCode.Unsupported,
                                $"{value.File}: {value.Path} = {value.Describe()}; SegEngine implements only nnU-Net's default {AnisotropyThreshold}");
                        }

                        break;
                    default:
                        throw value.Error($"is not an argument of {ResamplingSpec.DefaultFunction}");
                }
            }
        }

        return new ResamplingSpec(functionName, isSeg, order, orderZ, forceSeparateZ);
    }

    private static int ParseOrder(JsonField value)
    {
        int order = value.AsInt();
        return order is >= 0 and <= 5 ? order : throw value.Error($"must be a spline order 0..5, found {order}");
    }
}
