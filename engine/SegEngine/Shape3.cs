namespace SegEngine;

/// <summary>A 3-D extent in nnU-Net's array order: axis 0 (z) slowest, axis 2 (x) fastest.</summary>
public readonly record struct Shape3(int Z, int Y, int X)
{
    /// <summary>Voxel count; a long because clinical volumes pass 2^31 once channels multiply in.</summary>
    public long Voxels => (long)Z * Y * X;

    public int this[int axis] => axis switch
    {
        0 => Z,
        1 => Y,
        2 => X,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "axis must be 0, 1 or 2"),
    };

    public static Shape3 FromArray(ReadOnlySpan<int> axes)
    {
        if (axes.Length != 3)
        {
            throw new ArgumentException($"expected 3 axes, got {axes.Length}", nameof(axes));
        }

        return new Shape3(axes[0], axes[1], axes[2]);
    }

    public int[] ToArray() => [Z, Y, X];

    public override string ToString() => $"{Z}x{Y}x{X}";
}
