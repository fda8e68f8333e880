using System.Numerics.Tensors;

namespace SegEngine.Inference;

/// <summary>One mirroring of a tile: which of the 3-D axes (z, y, x) are flipped.</summary>
internal readonly record struct Mirror(bool FlipZ, bool FlipY, bool FlipX)
{
    public bool IsIdentity => !FlipZ && !FlipY && !FlipX;
}

/// <summary>Test-time mirroring: the passes per tile and the flips that map tiles and predictions.</summary>
/// <remarks>
/// nnU-Net's <c>_internal_maybe_mirror_and_predict</c> (nnunet-parity.md §4.5): the unflipped pass first, then every non-empty
/// combination of the allowed axes by increasing size, each size in <c>itertools.combinations</c> order of the axes as given.
/// </remarks>
internal static class MirrorCombinations
{
    /// <summary>The passes, identity first. <paramref name="patchAxes"/> are patch axes; a 2-D patch's axes map to y and x.</summary>
    public static Mirror[] Passes(IReadOnlyList<int> patchAxes, int patchRank, bool enabled)
    {
        var passes = new List<Mirror> { default };
        if (!enabled)
        {
            return [.. passes];
        }

        foreach (int axis in patchAxes)
        {
            if (axis < 0 || axis >= patchRank)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"mirroring axis {axis} does not exist in a {patchRank}-D patch (allowed mirroring axes [{string.Join(",", patchAxes)}])");
            }
        }

        int shift = 3 - patchRank;
        for (int size = 1; size <= patchAxes.Count; size++)
        {
            foreach (int[] combination in Combinations(patchAxes.Count, size))
            {
                bool z = false, y = false, x = false;
                foreach (int index in combination)
                {
                    switch (patchAxes[index] + shift)
                    {
                        case 0: z = true; break;
                        case 1: y = true; break;
                        default: x = true; break;
                    }
                }

                passes.Add(new Mirror(z, y, x));
            }
        }

        return [.. passes];
    }

    /// <summary>destination = flip(source) over a (channels, patch) block.</summary>
    public static void CopyFlipped(ReadOnlySpan<float> source, Span<float> destination, int channels, Shape3 patch, Mirror mirror)
    {
        int rowLength = patch.X;
        int rows = channels * patch.Z * patch.Y;
        for (int row = 0; row < rows; row++)
        {
            Span<float> target = destination.Slice(row * rowLength, rowLength);
            source.Slice(SourceRow(row, patch, mirror) * rowLength, rowLength).CopyTo(target);
            if (mirror.FlipX)
            {
                target.Reverse();
            }
        }
    }

    /// <summary>accumulator += flip(source) over a (channels, patch) block, in float32; <paramref name="rowScratch"/> holds one row.</summary>
    public static void AddFlipped(ReadOnlySpan<float> source, Span<float> accumulator, int channels, Shape3 patch, Mirror mirror, Span<float> rowScratch)
    {
        int rowLength = patch.X;
        int rows = channels * patch.Z * patch.Y;
        Span<float> scratch = rowScratch[..rowLength];
        for (int row = 0; row < rows; row++)
        {
            ReadOnlySpan<float> term = source.Slice(SourceRow(row, patch, mirror) * rowLength, rowLength);
            if (mirror.FlipX)
            {
                term.CopyTo(scratch);
                scratch.Reverse();
                term = scratch;
            }

            Span<float> target = accumulator.Slice(row * rowLength, rowLength);
            TensorPrimitives.Add(target, term, target);
        }
    }

    /// <summary>The source row (channel, z, y) that lands on destination row <paramref name="row"/> under the flip.</summary>
    private static int SourceRow(int row, Shape3 patch, Mirror mirror)
    {
        int y = row % patch.Y;
        int z = row / patch.Y % patch.Z;
        int channel = row / (patch.Y * patch.Z);
        if (mirror.FlipY)
        {
            y = patch.Y - 1 - y;
        }

        if (mirror.FlipZ)
        {
            z = patch.Z - 1 - z;
        }

        return ((channel * patch.Z) + z) * patch.Y + y;
    }

    private static IEnumerable<int[]> Combinations(int n, int size)
    {
        var indices = Enumerable.Range(0, size).ToArray();
        while (true)
        {
            yield return (int[])indices.Clone();
            int i = size - 1;
            while (i >= 0 && indices[i] == n - size + i)
            {
                i--;
            }

            if (i < 0)
            {
                yield break;
            }

            indices[i]++;
            for (int j = i + 1; j < size; j++)
            {
                indices[j] = indices[j - 1] + 1;
            }
        }
    }
}
