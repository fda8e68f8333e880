namespace SegEngine.Preprocessing;

/// <summary>
/// A half-open box per axis, <c>[[Z0, Z1], [Y0, Y1], [X0, X1]]</c>, in transposed (preprocessing) axis order:
/// nnU-Net's <c>bbox_used_for_cropping</c>.
/// </summary>
/// <remarks>acvl_utils <c>get_bbox_from_mask</c>; nnunet-parity.md §2, §3.2.</remarks>
internal readonly record struct BoundingBox(int Z0, int Z1, int Y0, int Y1, int X0, int X1)
{
    /// <summary>The whole extent of <paramref name="shape"/> (what an empty mask gives).</summary>
    public static BoundingBox Full(Shape3 shape) => new(0, shape.Z, 0, shape.Y, 0, shape.X);

    /// <summary>The extent of the box.</summary>
    public Shape3 Shape => new(Z1 - Z0, Y1 - Y0, X1 - X0);

    public int Start(int axis) => axis switch
    {
        0 => Z0,
        1 => Y0,
        2 => X0,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "axis must be 0, 1 or 2"),
    };

    public int End(int axis) => axis switch
    {
        0 => Z1,
        1 => Y1,
        2 => X1,
        _ => throw new ArgumentOutOfRangeException(nameof(axis), axis, "axis must be 0, 1 or 2"),
    };

    /// <summary>True when the box is non-empty and lies inside <paramref name="shape"/>.</summary>
    public bool FitsIn(Shape3 shape) =>
        Z0 >= 0 && Z0 < Z1 && Z1 <= shape.Z && Y0 >= 0 && Y0 < Y1 && Y1 <= shape.Y && X0 >= 0 && X0 < X1 && X1 <= shape.X;

    /// <summary>True when the box is the whole of <paramref name="shape"/> (no crop).</summary>
    public bool Covers(Shape3 shape) => this == Full(shape);

    public override string ToString() => $"[[{Z0}, {Z1}], [{Y0}, {Y1}], [{X0}, {X1}]]";
}
