namespace SegEngine.Io;

/// <summary>
/// What a reader keeps from the first channel file so that its writer can give the segmentation the input's geometry.
/// Opaque to callers: only the reader/writer pair that made it reads its contents.
/// </summary>
/// <remarks>nnU-Net keeps <c>props['nibabel_stuff']</c> or <c>props['sitk_stuff']</c> (contract §2).</remarks>
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

    /// <summary>SimpleITKIO: the image dimension ITK reports (2, 3 or 4).</summary>
    internal int ItkDimension { get; init; }

    /// <summary>SimpleITKIO: <c>GetSpacing()</c>, ITK order (x, y, z[, t]).</summary>
    internal double[]? ItkSpacing { get; init; }

    /// <summary>SimpleITKIO: <c>GetOrigin()</c> in LPS, ITK order.</summary>
    internal double[]? ItkOrigin { get; init; }

    /// <summary>SimpleITKIO: <c>GetDirection()</c>, row-major D x D, LPS.</summary>
    internal double[]? ItkDirection { get; init; }
}
