using System.Globalization;
using System.Text.Json;

namespace SegEngine.Model;

/// <summary>The model folder's dataset.json: input channels, labels and the image file ending.</summary>
/// <remarks>Fields as read by nnU-Net at inference (nnunet-parity.md §1.2); <c>modality</c> is the legacy name of <c>channel_names</c>.</remarks>
internal sealed class DatasetInfo
{
    private DatasetInfo(string path, IReadOnlyList<string> channelNames, LabelManager labels, string fileEnding, string? overwriteImageReaderWriter)
    {
        Path = path;
        ChannelNames = channelNames;
        Labels = labels;
        FileEnding = fileEnding;
        OverwriteImageReaderWriter = overwriteImageReaderWriter;
    }

    public string Path { get; }

    /// <summary>One name per input channel, in channel order (<c>"0"</c>, <c>"1"</c>, …).</summary>
    public IReadOnlyList<string> ChannelNames { get; }

    public LabelManager Labels { get; }

    /// <summary>e.g. <c>.nii.gz</c>: input discovery (<c>{case}_XXXX{ending}</c>) and output names.</summary>
    public string FileEnding { get; }

    /// <summary>Planning-time reader choice; informative only (inference uses the plans' reader).</summary>
    public string? OverwriteImageReaderWriter { get; }

    public static DatasetInfo Load(string path)
    {
        using JsonDocument document = JsonField.ParseFile(path);
        var root = new JsonField(document.RootElement, path, "");

        JsonField channels = root.Optional("channel_names") ?? root.Optional("modality")
            ?? throw root.Error("has neither channel_names nor the legacy modality");
        LabelManager labels = LabelManager.Parse(root.Required("labels"), root.Optional("regions_class_order"));
        string fileEnding = root.Required("file_ending").AsString();
        if (fileEnding.Length == 0)
        {
            throw root.Error("has an empty file_ending");
        }

        JsonField? overwrite = root.Optional("overwrite_image_reader_writer");
        return new DatasetInfo(
            path,
            ReadChannelNames(channels),
            labels,
            fileEnding,
            overwrite is JsonField field && !field.IsNull ? field.AsString() : null);
    }

    private static string[] ReadChannelNames(JsonField channels)
    {
        var byIndex = new SortedDictionary<int, string>();
        foreach ((string key, JsonField value) in channels.Properties())
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || !byIndex.TryAdd(index, value.AsString()))
            {
                throw channels.Error($"keys must be distinct channel indices \"0\", \"1\", ..., found \"{key}\"");
            }
        }

        if (byIndex.Count == 0)
        {
            throw channels.Error("must name at least one channel");
        }

        if (byIndex.Keys.Last() != byIndex.Count - 1)
        {
            throw channels.Error($"must number channels 0..{byIndex.Count - 1} without gaps, found [{string.Join(", ", byIndex.Keys)}]");
        }

        return byIndex.Values.ToArray();
    }
}
