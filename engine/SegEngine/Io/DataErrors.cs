namespace SegEngine.Io;

/// <summary>How one format names damage in a file's data: the file, the field blamed for a broken compressed stream, and its exception.</summary>
/// <param name="Path">The file the data is read from.</param>
/// <param name="CompressionField">The field a damaged compressed stream is blamed on (<c>gzip</c>, <c>zlib</c>).</param>
/// <param name="Invalid">Makes the format's exception from a field, the problem and the cause (or null).</param>
internal sealed record DataErrors(string Path, string CompressionField, Func<string, string, Exception?, SegEngineException> Invalid);
