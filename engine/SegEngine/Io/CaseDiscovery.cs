using System.Globalization;
using System.Text.RegularExpressions;

namespace SegEngine.Io;

/// <summary>
/// Finds the cases of an input folder by nnU-Net's naming, <c>{case}_{XXXX}{file_ending}</c>.
/// </summary>
/// <remarks>
/// Mirrors <c>create_lists_from_splitted_dataset_folder</c> (contract §7): the case id is the file name less its last
/// len(file_ending) + 5 characters, channel files must match <c>{case}_\d{4}{ending}</c> fully and sort by name.
/// Unlike nnU-Net, the channel count is checked against the model (see <see cref="CheckChannels"/>).
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

        var channelPattern = new Regex(@"^(?<case>.+)_(?<channel>\d{4})" + Regex.Escape(fileEnding) + "$", RegexOptions.CultureInvariant);
        var files = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(path);
            Match match = channelPattern.Match(name);
            if (!match.Success)
            {
                continue;
            }

            string caseId = match.Groups["case"].Value;
            if (!files.TryGetValue(caseId, out List<string>? channels))
            {
                channels = [];
                files.Add(caseId, channels);
            }

            channels.Add(path);
        }

        return files
            .Select(entry => new CaseInput(entry.Key, entry.Value.Order(StringComparer.Ordinal).ToArray()))
            .ToArray();
    }

    /// <summary>Throws unless the case has exactly the channels <c>_0000</c> … <c>_{n-1}</c>.</summary>
    public static void CheckChannels(CaseInput input, int expectedChannels, string fileEnding)
    {
        var present = input.ChannelFiles
            .Select(f => Path.GetFileName(f))
            .Select(n => int.Parse(n.AsSpan(n.Length - fileEnding.Length - 4, 4), CultureInfo.InvariantCulture))
            .ToHashSet();
        int[] missing = Enumerable.Range(0, expectedChannels).Where(c => !present.Contains(c)).ToArray();
        int[] extra = present.Where(c => c >= expectedChannels).Order().ToArray();
        if (missing.Length == 0 && extra.Length == 0)
        {
            return;
        }

        string problem = missing.Length > 0
            ? "missing channel file(s) " + string.Join(", ", missing.Select(c => $"{input.CaseId}_{c:D4}{fileEnding}"))
            : "unexpected channel file(s) " + string.Join(", ", extra.Select(c => $"{input.CaseId}_{c:D4}{fileEnding}"));
        throw new SegEngineException(
            SegErrorCode.InvalidInput,
            $"case {input.CaseId}: the model expects {expectedChannels} channel(s), found {input.ChannelFiles.Count}: {problem}");
    }
}
