namespace SegEngine.Io;

/// <summary>
/// What a reader keeps from the first channel file so that its writer can give the segmentation the input's geometry.
/// Opaque to callers: only the reader/writer pair that made it reads its contents.
/// </summary>
/// <remarks>nnU-Net keeps <c>props['nibabel_stuff']</c> or <c>props['sitk_stuff']</c> (nnunet-parity.md §2).</remarks>
public sealed class ImageGeometry
{
    internal ImageGeometry(string readerName, string sourcePath, Shape3 originalShape, bool is2D)
    {
        ReaderName = readerName;
        SourcePath = sourcePath;
        OriginalShape = originalShape;
        Is2D = is2D;
    }

    /// <summary>The reader that produced this geometry (<c>NibabelIO</c>, <c>SimpleITKIO</c>).</summary>
    public string ReaderName { get; }

    /// <summary>The file the geometry was read from (the first channel).</summary>
    public string SourcePath { get; }

    /// <summary>The image's array shape in nnU-Net order (z, y, x); a 2D image is (1, y, x).</summary>
    public Shape3 OriginalShape { get; }

    /// <summary>Whether the file was a 2D image (nnU-Net writes its segmentation as 2D).</summary>
    public bool Is2D { get; }

    /// <summary>NibabelIO: the image's effective affine (nibabel's <c>get_best_affine</c>), row-major 4x4.</summary>
    internal double[]? Affine { get; init; }

    /// <summary>NibabelIOWithReorient: the affine of the image reoriented to RAS (<c>nibabel_stuff.reoriented_affine</c>), row-major 4x4.</summary>
    internal double[]? ReorientedAffine { get; init; }

    /// <summary>Tiff3DIO: <c>props['spacing']</c> as Python's <c>json.dump</c> writes it into <c>{case}.json</c> beside the segmentation.</summary>
    internal string? SpacingJson { get; init; }

    /// <summary>SimpleITKIO: the image dimension ITK reports (2, 3 or 4).</summary>
    internal int ItkDimension { get; init; }

    /// <summary>SimpleITKIO: <c>GetSpacing()</c>, ITK order (x, y, z[, t]).</summary>
    internal double[]? ItkSpacing { get; init; }

    /// <summary>SimpleITKIO: <c>GetOrigin()</c> in LPS, ITK order.</summary>
    internal double[]? ItkOrigin { get; init; }

    /// <summary>SimpleITKIO: <c>GetDirection()</c>, row-major D x D, LPS.</summary>
    internal double[]? ItkDirection { get; init; }

    /// <summary>
    /// Refuses an image whose segmentation its reader's writer cannot write, as nnU-Net's <c>write_seg</c> fails on it:
    /// SimpleITKIO asserts a 2-D or 3-D image, so a 4-D input (its channels in one file, or a MetaImage/NRRD with a
    /// trailing axis of size 1, which ITK keeps) is read but never written. Known from the header, so a file prediction is
    /// refused before any work.
    /// </summary>
    internal void EnsureWritable()
    {
        if (ItkSpacing is not null && ItkDimension is not (2 or 3))
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{SourcePath}: a {ItkDimension}D input cannot get its segmentation written by SimpleITKIO (nnU-Net's write_seg asserts 2 or 3 dimensions)");
        }
    }

    /// <summary>SimpleITKIO: what nnU-Net stores as <c>props['sitk_stuff']</c>; null for other readers.</summary>
    internal SitkStuff? SitkStuff => ItkSpacing is null ? null : new SitkStuff(ItkSpacing, ItkOrigin!, ItkDirection!);

    /// <summary>
    /// The geometry <paramref name="readerName"/>'s reader would have kept, rebuilt from what nnU-Net stores in a case's
    /// properties, so that a segmentation can be written without the input image: NibabelIO needs
    /// <c>nibabel_stuff.original_affine</c> (nibabel's <c>img.affine</c>, the same as <see cref="NibabelIO.BestAffine"/>),
    /// SimpleITKIO <c>sitk_stuff</c>, NibabelIOWithReorient both affines, Tiff3DIO the <c>spacing</c> it writes beside the
    /// segmentation, NaturalImage2DIO nothing. <paramref name="originalShape"/> is the image's array shape in reader order
    /// (shape_before_cropping transposed back); <paramref name="source"/> names the properties in error messages.
    /// </summary>
    internal static ImageGeometry FromProperties(
        string readerName,
        Shape3 originalShape,
        IReadOnlyList<double>? originalAffine,
        SitkStuff? sitkStuff,
        string source,
        IReadOnlyList<double>? reorientedAffine = null,
        IReadOnlyList<double>? spacing = null)
    {
        ArgumentNullException.ThrowIfNull(readerName);
        switch (readerName)
        {
            case NibabelIOWithReorient.ReaderName:
                if (originalAffine is null || reorientedAffine is null)
                {
                    throw Missing(source, originalAffine is null ? "nibabel_stuff.original_affine" : "nibabel_stuff.reoriented_affine", readerName);
                }

                if (originalAffine.Count != 16 || reorientedAffine.Count != 16)
                {
                    throw new SegEngineException(SegErrorCode.InvalidInput, $"{source}: nibabel_stuff affines have 16 entries (4x4)");
                }

                return new ImageGeometry(readerName, source, originalShape, is2D: false) { Affine = [.. originalAffine], ReorientedAffine = [.. reorientedAffine] };

            case NaturalImage2DIO.ReaderName:
                return new ImageGeometry(readerName, source, originalShape, is2D: true);

            case Tiff3DIO.ReaderName:
                if (spacing is null)
                {
                    throw Missing(source, "spacing", readerName);
                }

                return new ImageGeometry(readerName, source, originalShape, is2D: false) { SpacingJson = TiffSpacingFile.Render(spacing) };

            case NibabelIO.ReaderName:
                if (originalAffine is null)
                {
                    throw Missing(source, "nibabel_stuff.original_affine", readerName);
                }

                if (originalAffine.Count != 16)
                {
                    throw new ArgumentException($"an affine has 16 entries, got {originalAffine.Count}", nameof(originalAffine));
                }

                return new ImageGeometry(readerName, source, originalShape, is2D: false) { Affine = [.. originalAffine] };

            case SimpleItkIO.ReaderName:
                if (sitkStuff is null)
                {
                    throw Missing(source, "sitk_stuff", readerName);
                }

                if (sitkStuff.Problem() is string problem)
                {
                    throw new SegEngineException(SegErrorCode.InvalidInput, $"{source}: sitk_stuff: {problem}");
                }

                bool is2D = sitkStuff.Dimension == 2;
                if (is2D && originalShape.Z != 1)
                {
                    throw new SegEngineException(
                        SegErrorCode.InvalidInput,
                        $"{source}: sitk_stuff describes a 2D image, but the shape before cropping is {originalShape} (a 2D image is 1 x y x x)");
                }

                return new ImageGeometry(readerName, source, originalShape, is2D)
                {
                    ItkDimension = sitkStuff.Dimension,
                    ItkSpacing = [.. sitkStuff.Spacing],
                    ItkOrigin = [.. sitkStuff.Origin],
                    ItkDirection = [.. sitkStuff.Direction],
                };

            default:
                throw new SegEngineException(
                    SegErrorCode.Unsupported,
                    $"{source}: image reader '{readerName}' is not supported (supported: {NibabelIO.ReaderName}, {SimpleItkIO.ReaderName})");
        }
    }

    /// <summary>
    /// The geometry of an image handed over in memory rather than read from a file. <paramref name="affine"/> is the
    /// NIfTI-style voxel-to-world matrix (row-major 4x4, RAS, voxel index (x, y, z), i.e. the array axes reversed), or null
    /// for one that only scales by <paramref name="spacing"/> (z, y, x). It does not change the labels; the case keeps it
    /// as the reader would have, converted to <c>sitk_stuff</c> (LPS) for SimpleITKIO.
    /// </summary>
    /// <remarks>
    /// As nnU-Net's <c>predict_single_npy_array</c> / <c>predict_from_list_of_npy_arrays</c>, the array is taken as its
    /// reader returns it: for NibabelIOWithReorient that is already reoriented to RAS, so the affine is the array's own
    /// (<c>reoriented_affine</c>) and must order its axes R, A, S (a file already in RAS order, whose original and reoriented
    /// affines are the same); an affine of another orientation is refused rather than silently reinterpreted. Tiff3DIO keeps
    /// the spacing as its writer would.
    /// </remarks>
    internal static ImageGeometry FromAffine(string readerName, Shape3 shape, IReadOnlyList<double> spacing, IReadOnlyList<double>? affine, string source)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        if (spacing.Count != 3 || spacing.Any(s => !double.IsFinite(s) || s <= 0))
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{source}: the spacing must be three positive finite numbers (z, y, x), got ({string.Join(", ", spacing)})");
        }

        double[] zooms = [spacing[2], spacing[1], spacing[0]];
        double[] matrix = affine is null
            ? [zooms[0], 0, 0, 0, 0, zooms[1], 0, 0, 0, 0, zooms[2], 0, 0, 0, 0, 1]
            : [.. affine];
        if (matrix.Length != 16 || matrix.Any(v => !double.IsFinite(v)) || matrix[12] != 0 || matrix[13] != 0 || matrix[14] != 0 || matrix[15] != 1)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{source}: an affine is 16 finite numbers, row-major, with a last row of 0 0 0 1; got ({string.Join(", ", matrix)})");
        }

        if (readerName == NibabelIOWithReorient.ReaderName && !NibabelOrientation.Of(matrix, source).IsIdentity)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{source}: {readerName} takes the image as its reader returns it, reoriented to RAS, but this affine does not order the array's axes (x, y, z) as R, A, S; reorient the array first and give its affine");
        }

        return FromProperties(readerName, shape, matrix, SitkStuffOf(matrix, zooms), source, reorientedAffine: matrix, spacing: spacing);
    }

    /// <summary>ITK's view of a RAS affine: spacing as given, unit direction columns and origin, both flipped to LPS.</summary>
    private static SitkStuff SitkStuffOf(double[] affine, double[] zooms)
    {
        double[] toLps = [-1, -1, 1];
        var direction = new double[9];
        var origin = new double[3];
        for (int row = 0; row < 3; row++)
        {
            origin[row] = toLps[row] * affine[(row * 4) + 3];
            for (int column = 0; column < 3; column++)
            {
                double length = Math.Sqrt(
                    (affine[column] * affine[column]) + (affine[4 + column] * affine[4 + column]) + (affine[8 + column] * affine[8 + column]));
                direction[(row * 3) + column] = length == 0 ? 0 : toLps[row] * affine[(row * 4) + column] / length;
            }
        }

        return new SitkStuff(zooms, origin, direction);
    }

    private static SegEngineException Missing(string source, string key, string readerName) =>
        new(SegErrorCode.InvalidInput, $"{source}: the key '{key}' is missing; {readerName} needs it to write the segmentation with the input's geometry");
}
