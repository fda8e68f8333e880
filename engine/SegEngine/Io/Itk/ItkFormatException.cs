namespace SegEngine.Io.Itk;

/// <summary>A MetaImage, NRRD or GIPL file is malformed, truncated, inconsistent or uses a feature the engine refuses. The message names the file, the format and the field.</summary>
public sealed class ItkFormatException : SegEngineException
{
    public ItkFormatException(string path, string format, string field, string problem)
        : base(SegErrorCode.InvalidInput, $"{path}: {format} field '{field}': {problem}")
    {
        Path = path;
        Field = field;
    }

    public ItkFormatException(string path, string format, string field, string problem, Exception inner)
        : base(SegErrorCode.InvalidInput, $"{path}: {format} field '{field}': {problem}", inner)
    {
        Path = path;
        Field = field;
    }

    /// <summary>The file that failed (the header, or the detached data file it names).</summary>
    public string Path { get; }

    /// <summary>The header field (or "data", "gzip", "zlib") that is wrong.</summary>
    public string Field { get; }
}
