namespace SegEngine.Io;

/// <summary>nnU-Net's cross-channel checks (<c>_check_all_same</c>) and the channel stacking of <c>np.vstack</c>.</summary>
internal static class ChannelChecks
{
    public static void SameShape(string firstPath, Shape3 first, string otherPath, Shape3 other)
    {
        if (first != other)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"channel files disagree in shape: {firstPath} is {first} (z, y, x), {otherPath} is {other}");
        }
    }

    public static void SameSpacing(string firstPath, double[] first, string otherPath, double[] other)
    {
        if (!first.AsSpan().SequenceEqual(other))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"channel files disagree in spacing: {firstPath} has ({string.Join(", ", first)}) (z, y, x), {otherPath} has ({string.Join(", ", other)})");
        }
    }

    /// <summary>
    /// One volume of all channels. A single part is returned as is and removed from <paramref name="parts"/> (ownership moves
    /// to the caller without a copy); otherwise the parts are copied and stay in the list for the caller to dispose.
    /// </summary>
    public static VolumeBuffer<float> Stack(List<VolumeBuffer<float>> parts, Shape3 shape)
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

        VolumeBuffer<float> stacked = VolumeBuffer<float>.Allocate(channels, shape);
        int offset = 0;
        foreach (var part in parts)
        {
            part.Span.CopyTo(stacked.Span[offset..]);
            offset += part.Length;
        }

        return stacked;
    }
}
