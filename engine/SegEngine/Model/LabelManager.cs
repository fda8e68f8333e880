namespace SegEngine.Model;

/// <summary>
/// The labels of dataset.json as nnU-Net's <c>LabelManager</c> sees them: plain labels (softmax heads, one per label
/// value) or regions (sigmoid heads, one per foreground region), an optional ignore label.
/// </summary>
/// <remarks>
/// Mirrors <c>utilities/label_handling/label_handling.LabelManager</c> (<c>_sanity_check</c>, <c>_get_all_labels</c>,
/// <c>_get_regions</c>, <c>_determine_ignore_label</c>) plus the dataset-integrity rules of nnunet-parity.md §1.2:
/// background is 0, labels are consecutive, ignore is max+1, regions need <c>regions_class_order</c>.
/// </remarks>
internal sealed class LabelManager
{
    private LabelManager(
        IReadOnlyList<KeyValuePair<string, int[]>> labels,
        IReadOnlyList<int> allLabels,
        int? ignoreLabel,
        IReadOnlyList<int[]> regions,
        IReadOnlyList<string> regionNames,
        int[] regionsClassOrder)
    {
        Labels = labels;
        AllLabels = allLabels;
        IgnoreLabel = ignoreLabel;
        Regions = regions;
        RegionsClassOrder = regionsClassOrder;
        ForegroundLabels = allLabels.Where(label => label != 0).ToArray();
        HeadNames = HasRegions ? regionNames : allLabels.Select(value => NameOf(labels, value)).ToArray();
    }

    /// <summary>The <c>labels</c> entries in JSON order (without <c>ignore</c>); a plain label has one value.</summary>
    public IReadOnlyList<KeyValuePair<string, int[]>> Labels { get; }

    /// <summary>Sorted distinct label values, background included, ignore excluded (nnU-Net's <c>all_labels</c>).</summary>
    public IReadOnlyList<int> AllLabels { get; }

    /// <summary><see cref="AllLabels"/> without 0; a cascade stage gets one extra input channel per entry.</summary>
    public IReadOnlyList<int> ForegroundLabels { get; }

    public int MaxLabel => AllLabels[^1];

    public int? IgnoreLabel { get; }

    /// <summary>Region mode: some label maps to more than one value.</summary>
    public bool HasRegions => Regions.Count > 0;

    /// <summary>The foreground regions in JSON order (one per sigmoid head); empty without regions.</summary>
    public IReadOnlyList<int[]> Regions { get; }

    /// <summary>dataset.json <c>regions_class_order</c>: the label written for each region head; empty without regions.</summary>
    public int[] RegionsClassOrder { get; }

    /// <summary>Number of network output channels.</summary>
    public int HeadCount => HasRegions ? Regions.Count : AllLabels.Count;

    /// <summary>A readable name per head: the region's or the label's name from dataset.json.</summary>
    public IReadOnlyList<string> HeadNames { get; }

    internal static LabelManager Parse(JsonField labelsField, JsonField? regionsClassOrderField)
    {
        var labels = new List<KeyValuePair<string, int[]>>();
        var regionCandidates = new List<KeyValuePair<string, int[]>>();
        int? ignore = null;
        bool anyRegion = false;
        foreach ((string name, JsonField value) in labelsField.Properties())
        {
            if (name == "ignore")
            {
                if (value.Element.ValueKind != System.Text.Json.JsonValueKind.Number)
                {
                    throw value.Error($"must be an integer (the ignore label cannot be a region), found {value.Describe()}");
                }

                ignore = value.AsInt();
                continue;
            }

            int[] values = value.Element.ValueKind == System.Text.Json.JsonValueKind.Array ? value.AsIntArray() : [value.AsInt()];
            if (values.Length == 0 || values.Any(v => v < 0))
            {
                throw value.Error($"must be a non-negative label or a non-empty list of them, found {value.Describe()}");
            }

            if (name == "background" && (value.Element.ValueKind == System.Text.Json.JsonValueKind.Array || values[0] != 0))
            {
                throw value.Error($"must be 0 (the background label), found {value.Describe()}");
            }

            anyRegion |= values.Length > 1;
            labels.Add(new(name, values));
            if (values.Any(v => v != 0))
            {
                regionCandidates.Add(new(name, values));
            }
        }

        if (!labels.Any(entry => entry.Key == "background"))
        {
            throw labelsField.Error("has no 'background' label (it must be 0)");
        }

        int[] allLabels = labels.SelectMany(entry => entry.Value).Distinct().Order().ToArray();
        for (int i = 0; i < allLabels.Length; i++)
        {
            if (allLabels[i] != i)
            {
                throw labelsField.Error($"must use consecutive label values 0..{allLabels.Length - 1}, found [{string.Join(", ", allLabels)}]");
            }
        }

        if (ignore is int ignoreValue && ignoreValue != allLabels[^1] + 1)
        {
            throw labelsField.Error($"ignore must be max(labels)+1 = {allLabels[^1] + 1}, found {ignoreValue}");
        }

        if (!anyRegion)
        {
            return new LabelManager(labels, allLabels, ignore, [], [], []);
        }

        if (regionsClassOrderField is not JsonField orderField || orderField.IsNull)
        {
            throw labelsField.Error("defines regions (labels with several values), so dataset.json needs regions_class_order");
        }

        int[] order = orderField.AsIntArray();
        if (order.Length != regionCandidates.Count)
        {
            throw orderField.Error($"must have one entry per foreground region: {regionCandidates.Count} regions, found {order.Length} entries");
        }

        return new LabelManager(
            labels,
            allLabels,
            ignore,
            regionCandidates.Select(entry => entry.Value).ToArray(),
            regionCandidates.Select(entry => entry.Key).ToArray(),
            order);
    }

    private static string NameOf(IReadOnlyList<KeyValuePair<string, int[]>> labels, int value)
    {
        foreach (KeyValuePair<string, int[]> entry in labels)
        {
            if (entry.Value.Length == 1 && entry.Value[0] == value)
            {
                return entry.Key;
            }
        }

        return value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
