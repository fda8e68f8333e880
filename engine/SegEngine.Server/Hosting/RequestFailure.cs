namespace SegEngine.Server.Hosting;

/// <summary>
/// A request the server answers with an error: the HTTP status (the gRPC status follows from it) and a short message
/// naming the problem, which is all the client sees.
/// </summary>
internal sealed class RequestFailure(int status, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>When a client should try again (429 and 503), sent as <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The outcome label of the request metrics.</summary>
    public string Outcome => Status switch
    {
        429 => "queue_full",
        413 => "too_large",
        503 => "unavailable",
        504 => "timeout",
        >= 500 => "error",
        _ => "bad_request",
    };

    public static RequestFailure BadRequest(string message) => new(400, message);

    public static RequestFailure NotFound(string message) => new(404, message);

    /// <summary>A client's text quoted back, short: an error message never grows with the request.</summary>
    public static string Quote(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
