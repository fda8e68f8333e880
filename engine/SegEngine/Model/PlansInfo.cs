using System.Globalization;
using System.Text.Json;

namespace SegEngine.Model;

/// <summary>The model folder's plans.json: dataset-wide fields plus the configurations, resolved on request.</summary>
/// <remarks>
/// Mirrors nnU-Net's <c>PlansManager</c> (nnunet-parity.md §1.3). <see cref="GetConfiguration"/> resolves <c>inherits_from</c>
/// like <c>_internal_resolve_configuration_inheritance</c>: the parent, resolved recursively, is shallowly updated
/// with the child's keys; a cycle is an error.
/// </remarks>
internal sealed class PlansInfo
{
    private const string DefaultLabelManager = "LabelManager";

    private readonly IReadOnlyDictionary<string, JsonElement> configurations;

    private PlansInfo(
        string path,
        string? datasetName,
        string? plansName,
        string imageReaderWriter,
        int[] transposeForward,
        int[] transposeBackward,
        IReadOnlyList<IntensityProperties> intensityProperties,
        IReadOnlyDictionary<string, JsonElement> configurations,
        IReadOnlyList<string> configurationNames)
    {
        Path = path;
        DatasetName = datasetName;
        PlansName = plansName;
        ImageReaderWriter = imageReaderWriter;
        TransposeForward = transposeForward;
        TransposeBackward = transposeBackward;
        IntensityProperties = intensityProperties;
        this.configurations = configurations;
        ConfigurationNames = configurationNames;
    }

    public string Path { get; }

    public string? DatasetName { get; }

    public string? PlansName { get; }

    /// <summary><c>image_reader_writer</c>, e.g. <c>SimpleITKIO</c> or <c>NibabelIO</c>.</summary>
    public string ImageReaderWriter { get; }

    /// <summary>Permutation of the 3 spatial axes applied to images before preprocessing.</summary>
    public int[] TransposeForward { get; }

    /// <summary>The inverse permutation, applied to predictions before export.</summary>
    public int[] TransposeBackward { get; }

    /// <summary><c>foreground_intensity_properties_per_channel</c>, indexed by channel (empty when the plans have none).</summary>
    public IReadOnlyList<IntensityProperties> IntensityProperties { get; }

    /// <summary>The configuration names in plans order.</summary>
    public IReadOnlyList<string> ConfigurationNames { get; }

    public static PlansInfo Load(string path)
    {
        using JsonDocument document = JsonField.ParseFile(path);
        var root = new JsonField(document.RootElement, path, "");

        if (root.Optional("label_manager") is JsonField labelManager && !labelManager.IsNull && labelManager.AsString() != DefaultLabelManager)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{path}: label_manager '{labelManager.AsString()}' is not supported (only {DefaultLabelManager})");
        }

        var configurations = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach ((string name, JsonField value) in root.Required("configurations").Properties())
        {
            if (value.Element.ValueKind != JsonValueKind.Object)
            {
                throw value.Error($"must be an object, found {value.Describe()}");
            }

            configurations[name] = value.Element.Clone();
            names.Add(name);
        }

        int[] forward = ReadPermutation(root.Required("transpose_forward"));
        JsonField? properties = root.Optional("foreground_intensity_properties_per_channel")
            ?? root.Optional("foreground_intensity_properties_by_modality");
        return new PlansInfo(
            path,
            OptionalString(root, "dataset_name"),
            OptionalString(root, "plans_name"),
            root.Required("image_reader_writer").AsString(),
            forward,
            ReadInverse(root.Required("transpose_backward"), forward),
            properties is JsonField field ? ReadIntensityProperties(field) : [],
            configurations,
            names);
    }

    /// <summary>Resolves and validates one configuration; an unknown name is an error listing the available ones.</summary>
    /// <remarks><paramref name="refuseUnsupported"/> false keeps resampling functions SegEngine cannot run, described, for inspection.</remarks>
    public ConfigurationPlan GetConfiguration(string name, bool refuseUnsupported = true)
    {
        if (!configurations.ContainsKey(name))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"{Path}: no configuration '{name}' (available: {string.Join(", ", ConfigurationNames)})");
        }

        var where = new JsonField(configurations[name], Path, $"configurations.{name}");
        return ConfigurationPlan.Parse(name, Resolve(name, []), where, refuseUnsupported);
    }

    private Dictionary<string, JsonField> Resolve(string name, List<string> visited)
    {
        if (visited.Contains(name))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"{Path}: inherits_from forms a cycle: {string.Join(" -> ", visited)} -> {name}");
        }

        if (!configurations.TryGetValue(name, out JsonElement element))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"{Path}: configurations.{visited[^1]}.inherits_from names '{name}', which is not a configuration (available: {string.Join(", ", ConfigurationNames)})");
        }

        visited.Add(name);
        var own = new JsonField(element, Path, $"configurations.{name}");
        Dictionary<string, JsonField> resolved = own.Optional("inherits_from") is JsonField parent && !parent.IsNull
            ? Resolve(parent.AsString(), visited)
            : new Dictionary<string, JsonField>(StringComparer.Ordinal);
        foreach ((string key, JsonField value) in own.Properties())
        {
            resolved[key] = value;
        }

        return resolved;
    }

    private static string? OptionalString(JsonField root, string key) =>
        root.Optional(key) is JsonField value && !value.IsNull ? value.AsString() : null;

    private static int[] ReadPermutation(JsonField field)
    {
        int[] permutation = field.AsIntArray();
        if (permutation.Length != 3 || !permutation.Order().SequenceEqual([0, 1, 2]))
        {
            throw field.Error($"must be a permutation of [0, 1, 2], found {field.Describe()}");
        }

        return permutation;
    }

    private static int[] ReadInverse(JsonField backwardField, int[] forward)
    {
        int[] backward = ReadPermutation(backwardField);
        for (int axis = 0; axis < 3; axis++)
        {
            if (backward[forward[axis]] != axis)
            {
                throw backwardField.Error($"must invert transpose_forward [{string.Join(", ", forward)}], found [{string.Join(", ", backward)}]");
            }
        }

        return backward;
    }

    private static IntensityProperties[] ReadIntensityProperties(JsonField field)
    {
        var byChannel = new SortedDictionary<int, IntensityProperties>();
        foreach ((string key, JsonField value) in field.Properties())
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int channel))
            {
                throw field.Error($"keys must be channel indices, found \"{key}\"");
            }

            byChannel[channel] = new IntensityProperties(
                value.Required("mean").AsDouble(),
                value.Required("std").AsDouble(),
                value.Required("percentile_00_5").AsDouble(),
                value.Required("percentile_99_5").AsDouble(),
                value.Required("median").AsDouble(),
                value.Required("min").AsDouble(),
                value.Required("max").AsDouble());
        }

        if (byChannel.Count > 0 && byChannel.Keys.Last() != byChannel.Count - 1)
        {
            throw field.Error($"must number channels 0..{byChannel.Count - 1} without gaps, found [{string.Join(", ", byChannel.Keys)}]");
        }

        return byChannel.Values.ToArray();
    }
}
