namespace SegEngine.Io.Itk;

/// <summary>The checks every format's header passes before voxels are read: what SimpleITKIO can use, and geometry a segmentation can be written with.</summary>
internal static class ItkHeaderChecks
{
    /// <summary>Throws <see cref="ItkFormatException"/> naming <paramref name="sizeField"/> (or the geometry fields) when the header cannot be a SimpleITKIO image.</summary>
    public static ItkImageHeader Checked(ItkImageHeader h, string sizeField, string spacingField, string originField, string directionField)
    {
        if (h.Dimension is < 2 or > 4)
        {
            throw new ItkFormatException(h.Path, h.Format, sizeField, $"SimpleITKIO reads 2D, 3D and 4D images; this one has {h.Dimension} dimension(s)");
        }

        if (h.Size.Any(n => n is < 1 or > int.MaxValue))
        {
            throw new ItkFormatException(h.Path, h.Format, sizeField, $"every axis needs 1 to {int.MaxValue} voxels, got ({string.Join(", ", h.Size)})");
        }

        try
        {
            _ = h.DataBytes;
        }
        catch (OverflowException e)
        {
            throw new ItkFormatException(h.Path, h.Format, sizeField, $"({string.Join(", ", h.Size)}) voxels overflow a 64-bit byte count", e);
        }

        if (h.Spacing.Any(s => !double.IsFinite(s) || s <= 0))
        {
            throw new ItkFormatException(h.Path, h.Format, spacingField, $"the spacing must be positive and finite, got ({string.Join(", ", h.Spacing)})");
        }

        if (h.Origin.Any(o => !double.IsFinite(o)))
        {
            throw new ItkFormatException(h.Path, h.Format, originField, $"the origin must be finite, got ({string.Join(", ", h.Origin)})");
        }

        if (h.Direction.Any(d => !double.IsFinite(d)))
        {
            throw new ItkFormatException(h.Path, h.Format, directionField, $"the direction must be finite, got ({string.Join(", ", h.Direction)})");
        }

        return h;
    }

    /// <summary>A row-major identity matrix of <paramref name="dimension"/> x <paramref name="dimension"/>.</summary>
    public static double[] Identity(int dimension)
    {
        var m = new double[dimension * dimension];
        for (int i = 0; i < dimension; i++)
        {
            m[(i * dimension) + i] = 1;
        }

        return m;
    }
}
