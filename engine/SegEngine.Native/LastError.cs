namespace SegEngine.Native;

/// <summary>The last failure on each thread, as <c>seg_last_error</c> reads it; successful calls leave it alone.</summary>
internal static class LastError
{
    [ThreadStatic]
    private static int status;

    [ThreadStatic]
    private static string? message;

    public static int Status => status;

    public static string Message => message ?? string.Empty;

    /// <summary>Stores <paramref name="exception"/> as this thread's last failure and returns its status.</summary>
    public static int Record(Exception exception)
    {
        status = NativeStatus.Of(exception);
        message = status switch
        {
            NativeStatus.Internal => $"internal error ({exception.GetType().Name}): {exception.Message}",
            NativeStatus.Cancelled when exception is OperationCanceledException => "the progress callback cancelled the prediction; no output was written",
            _ => exception.Message,
        };
        return status;
    }
}
