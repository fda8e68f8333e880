namespace SegEngine.Io.Itk;

/// <summary>How the voxel bytes are stored: as is, a gzip stream (NRRD's <c>gzip</c>) or a zlib stream (MetaImage's <c>CompressedData</c>).</summary>
internal enum ItkDataEncoding
{
    Raw,
    Gzip,
    Zlib,
}
