using SegEngine.Pipeline.Batch;

namespace SegEngine.Cli;

/// <summary>
/// Runs a command body and turns failures into exit codes: 0 success, 1 a domain failure (bad input, bad model),
/// 2 a usage error. User errors print one line to stderr, never a stack trace.
/// </summary>
internal static class CommandRunner
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (ExitCodeOf(e) is int exitCode)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return exitCode;
        }
    }

    /// <summary>The exit code of a failure the user can act on; null for a bug, which keeps its stack trace.</summary>
    private static int? ExitCodeOf(Exception exception) => exception switch
    {
        // A batch request the engine refused is a combination of flags that cannot work with this model (e.g. a cascade stage without -prev_stage_predictions).
        UsageException or BatchRequestException => UsageError,
        SegEngineException or IOException or UnauthorizedAccessException => Failure,
        _ => null,
    };
}
