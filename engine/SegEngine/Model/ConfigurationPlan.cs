using System.Text.Json;

namespace SegEngine.Model;

/// <summary>One configuration of plans.json (<c>2d</c>, <c>3d_fullres</c>, …) after <c>inherits_from</c> is resolved.</summary>
/// <remarks>The fields nnU-Net's <c>ConfigurationManager</c> exposes to inference (nnunet-parity.md §1.3).</remarks>
internal sealed class ConfigurationPlan
{
    private const string DefaultPreprocessor = "DefaultPreprocessor";

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

    /// <summary>Data, segmentation and probabilities, in that order.</summary>
    public IReadOnlyList<ResamplingSpec> AllResampling => [ResamplingData, ResamplingSeg, ResamplingProbabilities];

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

    /// <remarks><paramref name="refuseUnsupported"/> false keeps resampling functions SegEngine cannot run, described, for <c>segengine info</c>.</remarks>
    internal static ConfigurationPlan Parse(string name, IReadOnlyDictionary<string, JsonField> fields, JsonField where, bool refuseUnsupported = true)
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

        var plan = new ConfigurationPlan(
            name,
            spacing,
            patchSize,
            schemes,
            useMask,
            ParseResampling(fields, "resampling_fn_data", ResamplingRole.Data, where),
            ParseResampling(fields, "resampling_fn_seg", ResamplingRole.Segmentation, where),
            ParseResampling(fields, "resampling_fn_probabilities", ResamplingRole.Probabilities, where),
            architecture,
            fields.TryGetValue("previous_stage", out JsonField previous) && !previous.IsNull ? previous.AsString() : null,
            ParseNextStages(fields));
        if (refuseUnsupported && plan.AllResampling.FirstOrDefault(spec => spec.Unsupported is not null) is ResamplingSpec refused)
        {
            throw new SegEngineException(SegErrorCode.Unsupported, refused.Unsupported!);
        }

        return plan;
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

    /// <summary>A <c>resampling_fn_*</c> name and its kwargs (<see cref="ResamplingFunctions"/>).</summary>
    private static ResamplingSpec ParseResampling(IReadOnlyDictionary<string, JsonField> fields, string key, ResamplingRole role, JsonField where)
    {
        if (!fields.TryGetValue(key, out JsonField function))
        {
            throw where.Error($"has no key '{key}'");
        }

        return ResamplingFunctions.Parse(function, fields.TryGetValue(key + "_kwargs", out JsonField kwargs) ? kwargs : null, role);
    }
}
