namespace SegEngine.Io;

/// <summary>A NIfTI file is malformed, truncated or inconsistent. The message names the file and the offending field.</summary>
public sealed class NiftiFormatException : SegEngineException
{
    public NiftiFormatException(string path, string field, string problem)
        : base(SegErrorCode.InvalidInput, $"{path}: NIfTI field '{field}': {problem}")
    {
        Path = path;
        Field = field;
    }

    public NiftiFormatException(string path, string field, string problem, Exception inner)
        : base(SegErrorCode.InvalidInput, $"{path}: NIfTI field '{field}': {problem}", inner)
    {
        Path = path;
        Field = field;
    }

    /// <summary>The file that failed.</summary>
    public string Path { get; }

    /// <summary>The header field (or "data", "gzip") that is wrong.</summary>
    public string Field { get; }
}
