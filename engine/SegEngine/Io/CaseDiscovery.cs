namespace SegEngine.Io;

/// <summary>
/// Finds the cases of an input folder by nnU-Net's naming, <c>{case}_{XXXX}{file_ending}</c>.
/// </summary>
/// <remarks>
/// Mirrors <c>create_lists_from_splitted_dataset_folder</c> (nnunet-parity.md §7): the case id is the file name less its last
/// len(file_ending) + 5 characters, channel files must match <c>{case}_\d{4}{ending}</c> fully and sort by name.
/// Unlike nnU-Net, the channel count is checked against the model (see <see cref="ChannelChecks.FilesPresent"/>).
/// </remarks>
internal static class CaseDiscovery
{
    public static IReadOnlyList<CaseInput> FindCases(string folder, string fileEnding)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileEnding);
        if (!Directory.Exists(folder))
        {
            throw new SegEngineException(SegErrorCode.Io, $"{folder}: input folder does not exist");
        }

        var files = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder))
        {
            if (ParseChannelFile(Path.GetFileName(path), fileEnding) is not { } name)
            {
                continue;
            }

            if (!files.TryGetValue(name.CaseId, out List<string>? channels))
            {
                channels = [];
                files.Add(name.CaseId, channels);
            }

            channels.Add(path);
        }

        return files
            .Select(entry => new CaseInput(entry.Key, entry.Value.Order(StringComparer.Ordinal).ToArray()))
            .ToArray();
    }

    /// <summary>
    /// The case id and channel of a file named <c>{case}_{XXXX}{fileEnding}</c> (the case at least one character, XXXX
    /// four digits); null for any other name.
    /// </summary>
    public static (string CaseId, int Channel)? ParseChannelFile(string fileName, string fileEnding)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        int suffix = fileEnding.Length + 5;
        if (fileName.Length <= suffix || !fileName.EndsWith(fileEnding, StringComparison.Ordinal) || fileName[^suffix] != '_')
        {
            return null;
        }

        int channel = 0;
        foreach (char digit in fileName.AsSpan(fileName.Length - suffix + 1, 4))
        {
            // Any Unicode decimal digit, as the \d of nnU-Net's regular expression takes.
            if (!char.IsDigit(digit))
            {
                return null;
            }

            channel = (channel * 10) + (int)char.GetNumericValue(digit);
        }

        return (fileName[..^suffix], channel);
    }
}
