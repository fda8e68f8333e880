namespace SegEngine.Perf.Common;

/// <summary>A benchmark could not produce its numbers (a child process failed, a report is missing a field).</summary>
internal sealed class BenchmarkFailedException(string message) : Exception(message);
