namespace SegEngine.Io;

/// <summary>
/// A case's channels against the model (by file name and in the image), nnU-Net's cross-channel checks
/// (<c>_check_all_same</c>) and the channel stacking of <c>np.vstack</c>, in the loop every reader shares.
/// </summary>
internal static class ChannelChecks
{
    /// <summary>
    /// Throws unless an image has as many channels as the model was trained on; <paramref name="source"/> (a file or
    /// a description) and <paramref name="noun"/> (<c>case</c>, <c>image</c>) name it in the message.
    /// </summary>
    public static void CountMatches(string source, string noun, int channels, IReadOnlyList<string> channelNames)
    {
        if (channels != channelNames.Count)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{source}: the {noun} has {channels} channel(s); the model was trained on {channelNames.Count} ({string.Join(", ", channelNames)})");
        }
    }

    /// <summary>Throws unless a case has exactly the channel files <c>_0000</c> … <c>_{n-1}</c>.</summary>
    public static void FilesPresent(CaseInput input, int expectedChannels, string fileEnding)
    {
        var present = input.ChannelFiles
            .Select(f => CaseDiscovery.ParseChannelFile(Path.GetFileName(f), fileEnding)?.Channel
                ?? throw new ArgumentException($"{f} is not named {{case}}_XXXX{fileEnding}", nameof(input)))
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

    /// <summary>Throws unless a case names at least one channel file.</summary>
    public static void NotEmpty(IReadOnlyList<string> channelFiles)
    {
        ArgumentNullException.ThrowIfNull(channelFiles);
        if (channelFiles.Count == 0)
        {
            throw new ArgumentException("a case needs at least one channel file", nameof(channelFiles));
        }
    }

    public static void SameShape(string firstPath, Shape3 first, string otherPath, Shape3 other)
    {
        if (first != other)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"channel files disagree in shape: {firstPath} is {first} (z, y, x), {otherPath} is {other}");
        }
    }

    private static void SameSpacing(string firstPath, double[] first, string otherPath, double[] other)
    {
        if (!first.AsSpan().SequenceEqual(other))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"channel files disagree in spacing: {firstPath} has ({string.Join(", ", first)}) (z, y, x), {otherPath} has ({string.Join(", ", other)})");
        }
    }

    /// <summary>
    /// A reader's <c>read_images</c> loop: every channel file read by <paramref name="readOne"/> in order, each checked
    /// against the first as soon as it is read (shape, and spacing where <paramref name="readOne"/> gives one), then all
    /// stacked. Returns the stacked voxels and what <paramref name="readOne"/> said of the first file.
    /// </summary>
    public static (VolumeBuffer<float> Voxels, TFile First) ReadAndStack<TFile>(
        IReadOnlyList<string> channelFiles, Func<string, (VolumeBuffer<float> Voxels, double[]? Spacing, TFile File)> readOne)
    {
        NotEmpty(channelFiles);
        var parts = new List<VolumeBuffer<float>>(channelFiles.Count);
        try
        {
            TFile first = default!;
            double[]? spacing = null;
            foreach (string path in channelFiles)
            {
                (VolumeBuffer<float> voxels, double[]? fileSpacing, TFile file) = readOne(path);
                parts.Add(voxels);
                if (parts.Count == 1)
                {
                    (first, spacing) = (file, fileSpacing);
                    continue;
                }

                SameShape(channelFiles[0], parts[0].Shape, path, voxels.Shape);
                if (spacing is not null)
                {
                    SameSpacing(channelFiles[0], spacing, path, fileSpacing!);
                }
            }

            return (Stack(parts), first);
        }
        finally
        {
            foreach (VolumeBuffer<float> part in parts)
            {
                part.Dispose();
            }
        }
    }

    /// <summary>
    /// One volume of all channels. A single part is returned as is and removed from <paramref name="parts"/> (ownership moves
    /// to the caller without a copy); otherwise the parts are copied and stay in the list for the caller to dispose.
    /// </summary>
    private static VolumeBuffer<float> Stack(List<VolumeBuffer<float>> parts)
    {
        if (parts.Count == 1)
        {
            VolumeBuffer<float> only = parts[0];
            parts.Clear();
            return only;
        }

        int channels = 0;
        foreach (var part in parts)
        {
            channels += part.Channels;
        }

        VolumeBuffer<float> stacked = VolumeBuffer<float>.Allocate(channels, parts[0].Shape);
        int offset = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(stacked.Span[offset..]);
            offset += part.Length;
        }

        return stacked;
    }
}
