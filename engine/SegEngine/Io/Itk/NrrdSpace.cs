namespace SegEngine.Io.Itk;

/// <summary>A NRRD <c>space</c> and the sign ITK's NrrdImageIO applies per world axis to bring it to LPS.</summary>
/// <param name="Dimension">The space's dimension (0: no space).</param>
/// <param name="FlipX">RAS and LAS: x is negated.</param>
/// <param name="FlipY">RAS: y is negated.</param>
internal readonly record struct NrrdSpace(int Dimension, bool FlipX, bool FlipY)
{
    public static NrrdSpace Unnamed(int dimension) => new(dimension, false, false);

    public static NrrdSpace Parse(string name, string path) => name.ToLowerInvariant() switch
    {
        "right-anterior-superior" or "ras" => new(3, true, true),
        // ITK 5.2 negates only x for LAS (its comment says R -> L); the engine does what ITK does.
        "left-anterior-superior" or "las" => new(3, true, false),
        "left-posterior-superior" or "lps" or "scanner-xyz" or "3d-right-handed" or "3d-left-handed" => new(3, false, false),
        "right-anterior-superior-time" or "rast" or "left-anterior-superior-time" or "last" or "left-posterior-superior-time" or "lpst"
            or "scanner-xyz-time" or "3d-right-handed-time" or "3d-left-handed-time" => new(4, false, false),
        _ => throw new ItkFormatException(path, NrrdHeader.FormatName, "space", $"'{MetaImageHeader.Shorten(name)}' is not a NRRD space"),
    };

    /// <summary>−1 where ITK negates world axis <paramref name="axis"/>, else 1.</summary>
    public double Flip(int axis) => (axis == 0 && FlipX) || (axis == 1 && FlipY) ? -1 : 1;
}
