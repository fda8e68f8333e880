using SegEngine.Pipeline.Batch;

namespace SegEngine.Cli;

/// <summary>
/// Runs a command body and turns failures into exit codes: 0 success, 1 a domain failure (bad input, bad model),
/// 2 a usage error (flags the parser or the engine's batch request refused). User errors print one line to stderr, never a stack trace.
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
        catch (SegEngineException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (BatchRequestException e)
        {
            // The engine refused the flags' combination for this model (e.g. a cascade stage without -prev_stage_predictions).
            Console.Error.WriteLine($"error: {e.Message}");
            return UsageError;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
        catch (UnauthorizedAccessException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Failure;
        }
    }
}

/// <summary>A flag combination the command cannot accept; reported with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
