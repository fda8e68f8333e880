namespace SegEngine.Cli;

/// <summary>A flag combination the command cannot accept; reported with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
