namespace SegEngine.Io;

/// <summary>
/// nnU-Net's <c>props['sitk_stuff']</c>: the geometry SimpleITKIO keeps of the first channel file so that its writer can give
/// the segmentation the input's spacing, origin and direction. All in ITK order (x, y, z[, t]), D = 2, 3 or 4 entries.
/// </summary>
/// <remarks>nnU-Net: <c>imageio/simpleitk_reader_writer.py</c>, <c>SimpleITKIO.read_images</c> (nnunet-parity.md §2).</remarks>
/// <param name="Spacing"><c>GetSpacing()</c>, D entries.</param>
/// <param name="Origin"><c>GetOrigin()</c> in LPS, D entries.</param>
/// <param name="Direction"><c>GetDirection()</c>, row-major D x D, LPS.</param>
internal sealed record SitkStuff(IReadOnlyList<double> Spacing, IReadOnlyList<double> Origin, IReadOnlyList<double> Direction)
{
    public int Dimension => Spacing.Count;

    /// <summary>Why these arrays cannot be an ITK image's geometry, or null when they can.</summary>
    public string? Problem()
    {
        if (Dimension is < 2 or > 4)
        {
            return $"spacing has {Dimension} entries; ITK images have 2, 3 or 4 dimensions";
        }

        if (Origin.Count != Dimension)
        {
            return $"origin has {Origin.Count} entries, spacing {Dimension}";
        }

        return Direction.Count != Dimension * Dimension
            ? $"direction has {Direction.Count} entries, a {Dimension}D image needs {Dimension * Dimension}"
            : null;
    }
}
