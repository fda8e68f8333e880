namespace SegEngine.Io.Itk;

/// <summary>
/// What nnU-Net's <c>SimpleITKIO.write_seg</c> hands ITK's writer: the labels in ITK axis order with the input's spacing,
/// origin and direction (<c>sitk_stuff</c>), a 2D image for a 2D input; uint8, or uint16 when a label is 255 or more.
/// </summary>
internal sealed record ItkSegmentationLayout(long[] Size, double[] Spacing, double[] Origin, double[] Direction, bool Wide)
{
    public int Dimension => Size.Length;

    public static ItkSegmentationLayout From(ImageGeometry geometry, bool wide)
    {
        geometry.EnsureWritable();

        Shape3 shape = geometry.OriginalShape;
        long[] size = geometry.ItkDimension == 2 ? [shape.X, shape.Y] : [shape.X, shape.Y, shape.Z];
        return new ItkSegmentationLayout(size, geometry.ItkSpacing!, geometry.ItkOrigin!, geometry.ItkDirection!, wide);
    }
}
