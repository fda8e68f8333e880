namespace SegEngine.Io.Itk;

/// <summary>
/// What ITK's ImageIO reports for a MetaImage, NRRD or GIPL file (dimension, size, spacing, LPS origin and row-major
/// direction, all in ITK axis order x, y, z[, t]) and where its voxels lie. Built only by the header parsers, which check
/// every field before anything is allocated from it.
/// </summary>
/// <param name="Path">The header file.</param>
/// <param name="Format">The format's name, for messages.</param>
/// <param name="Size">Voxels per axis, each 1 … 2^31 − 1.</param>
/// <param name="Spacing">ITK's <c>GetSpacing()</c>.</param>
/// <param name="Origin">ITK's <c>GetOrigin()</c>, LPS.</param>
/// <param name="Direction">ITK's <c>GetDirection()</c>, row-major, LPS.</param>
/// <param name="ComponentType">The stored voxel type.</param>
/// <param name="BigEndian">Whether multi-byte voxels are stored most significant byte first.</param>
/// <param name="DataPath">The file that holds the voxels (the header itself, or its detached data file).</param>
/// <param name="DataOffset">Where the voxels (or their compressed stream) start in <paramref name="DataPath"/>; −1: the raw voxels end the file.</param>
/// <param name="Encoding">Raw, gzip or zlib.</param>
/// <param name="CompressedBytes">The compressed stream's length, or −1 when it runs to the end of the file.</param>
/// <param name="SkipAfterDecompression">Decompressed bytes before the voxels (NRRD's byte skip under gzip).</param>
internal sealed record ItkImageHeader(
    string Path,
    string Format,
    long[] Size,
    double[] Spacing,
    double[] Origin,
    double[] Direction,
    NiftiDataType ComponentType,
    bool BigEndian,
    string DataPath,
    long DataOffset,
    ItkDataEncoding Encoding,
    long CompressedBytes,
    long SkipAfterDecompression)
{
    public int Dimension => Size.Length;

    public int BytesPerVoxel => NiftiDataTypes.BytesPerVoxel((short)ComponentType);

    public long VoxelCount => Size.Aggregate(1L, (product, n) => checked(product * n));

    public long DataBytes => checked(VoxelCount * BytesPerVoxel);

    /// <summary>The geometry as nnU-Net's SimpleITKIO sees it.</summary>
    public ItkGeometry Geometry() => new(Dimension, Size, Spacing, Origin, Direction);
}
