namespace SegEngine.Io;

/// <summary>
/// What a reader's header alone says about a case's first channel file: the array shape (z, y, x) and spacing (same
/// order) exactly as <see cref="IImageReaderWriter.Read"/> will return them, after the reader's own axis handling
/// (reorientation, 2-D images as (1, y, x), NaturalImage2DIO's spacing (999, 1, 1), Tiff3DIO's spacing file).
/// </summary>
/// <param name="Shape">The array shape the reader produces, z, y, x.</param>
/// <param name="Spacing">The spacing the reader produces (<c>props['spacing']</c>), z, y, x.</param>
public sealed record ImageHeader(Shape3 Shape, IReadOnlyList<double> Spacing);
