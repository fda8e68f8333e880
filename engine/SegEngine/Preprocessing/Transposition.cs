namespace SegEngine.Preprocessing;

/// <summary>
/// The plans' axis permutation: <c>transpose_forward</c> before preprocessing and <c>transpose_backward</c> at export.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.1: <c>data.transpose([0, *(t + 1 for t in transpose_forward)])</c> and
/// <c>spacing_t[i] = spacing[transpose_forward[i]]</c>; nnunet-parity.md §5 step 4 undoes it with <c>transpose_backward</c>.
/// Output axis i is input axis <c>permutation[i]</c>.
/// </remarks>
internal static class Transposition
{
    /// <summary>
    /// Permutes the spatial axes of every channel by <paramref name="transposeForward"/>. The identity permutation
    /// returns <paramref name="data"/> itself (no copy); otherwise a new buffer that the caller owns.
    /// </summary>
    public static VolumeBuffer<T> TransposeForward<T>(VolumeBuffer<T> data, IReadOnlyList<int> transposeForward)
        where T : unmanaged =>
        Permute(data, transposeForward, "transpose_forward");

    /// <summary>
    /// Undoes the preprocessing permutation on a label map (or any volume) with <paramref name="transposeBackward"/>.
    /// The identity returns <paramref name="volume"/> itself; otherwise a new buffer that the caller owns.
    /// </summary>
    public static VolumeBuffer<T> TransposeBackward<T>(VolumeBuffer<T> volume, IReadOnlyList<int> transposeBackward)
        where T : unmanaged =>
        Permute(volume, transposeBackward, "transpose_backward");

    /// <summary>The spacing in transposed order: <c>spacing_t[i] = spacing[transpose_forward[i]]</c>.</summary>
    public static double[] TransposeSpacing(IReadOnlyList<double> spacing, IReadOnlyList<int> transposeForward)
    {
        ValidatePermutation(transposeForward, "transpose_forward");
        if (spacing.Count != 3)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"spacing has {spacing.Count} entries, expected 3");
        }

        return [spacing[transposeForward[0]], spacing[transposeForward[1]], spacing[transposeForward[2]]];
    }

    /// <summary>The shape after the permutation: <c>out[i] = shape[permutation[i]]</c>.</summary>
    public static Shape3 TransposeShape(Shape3 shape, IReadOnlyList<int> permutation)
    {
        ValidatePermutation(permutation, "permutation");
        return new Shape3(shape[permutation[0]], shape[permutation[1]], shape[permutation[2]]);
    }

    private static VolumeBuffer<T> Permute<T>(VolumeBuffer<T> volume, IReadOnlyList<int> permutation, string field)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(volume);
        ValidatePermutation(permutation, field);
        if (permutation[0] == 0 && permutation[1] == 1 && permutation[2] == 2)
        {
            return volume;
        }

        Shape3 input = volume.Shape;
        Shape3 output = new(input[permutation[0]], input[permutation[1]], input[permutation[2]]);
        long[] inputStrides = [(long)input.Y * input.X, input.X, 1];
        long stride0 = inputStrides[permutation[0]];
        long stride1 = inputStrides[permutation[1]];
        long stride2 = inputStrides[permutation[2]];
        VolumeBuffer<T> result = VolumeBuffer<T>.Allocate(volume.Channels, output);
        try
        {
            int rows = volume.Channels * output.Z;
            Parallel.For(0, rows, row =>
            {
                int channel = row / output.Z;
                int i0 = row % output.Z;
                ReadOnlySpan<T> source = volume.Channel(channel);
                Span<T> target = result.Channel(channel).Slice(i0 * output.Y * output.X, output.Y * output.X);
                for (int i1 = 0; i1 < output.Y; i1++)
                {
                    long offset = (i0 * stride0) + (i1 * stride1);
                    Span<T> line = target.Slice(i1 * output.X, output.X);
                    for (int i2 = 0; i2 < line.Length; i2++)
                    {
                        line[i2] = source[(int)(offset + (i2 * stride2))];
                    }
                }
            });
        }
        catch
        {
            result.Dispose();
            throw;
        }

        return result;
    }

    private static void ValidatePermutation(IReadOnlyList<int> permutation, string field)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        bool valid = permutation.Count == 3;
        int seen = 0;
        for (int i = 0; valid && i < 3; i++)
        {
            valid = permutation[i] is >= 0 and <= 2 && (seen & (1 << permutation[i])) == 0;
            seen |= valid ? 1 << permutation[i] : 0;
        }

        if (!valid)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"plans: {field} must be a permutation of [0, 1, 2], got [{string.Join(", ", permutation)}]");
        }
    }
}
