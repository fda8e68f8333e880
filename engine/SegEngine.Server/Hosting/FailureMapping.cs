using System.Globalization;
using Microsoft.AspNetCore.Http;
using SegEngine.Server.Admission;

namespace SegEngine.Server.Hosting;

/// <summary>
/// Turns whatever stopped a request into what the client is told: a status and a short message naming the problem.
/// Faults of the request are 4xx with the engine's own message; anything else is a 500 that names the request id only,
/// its detail going to the server log.
/// </summary>
internal static class FailureMapping
{
    /// <summary>How long a client told "busy" should wait: about one small case's prediction.</summary>
    public static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>The failure for <paramref name="error"/>; <paramref name="timedOut"/> says whether the request's own deadline passed.</summary>
    public static RequestFailure Map(Exception error, bool timedOut, TimeSpan timeout, string requestId) => error switch
    {
        RequestFailure failure => failure,
        GateRefusal { QueueFull: true } refusal => new RequestFailure(429, refusal.Message, BusyRetryAfter),
        GateRefusal refusal => new RequestFailure(413, refusal.Message),
        OperationCanceledException when timedOut => new RequestFailure(
            504, string.Create(CultureInfo.InvariantCulture, $"the request did not finish within the server's limit of {timeout.TotalSeconds:G} s")),
        SegEngineException { Code: SegErrorCode.Cancelled } when timedOut => new RequestFailure(
            504, string.Create(CultureInfo.InvariantCulture, $"the request did not finish within the server's limit of {timeout.TotalSeconds:G} s")),
        SegEngineException { Code: SegErrorCode.MemoryBudget } e => new RequestFailure(413, FirstLine(e.Message)),
        SegEngineException { Code: SegErrorCode.InvalidInput or SegErrorCode.Unsupported or SegErrorCode.Numeric } e => new RequestFailure(400, FirstLine(e.Message)),
        BadHttpRequestException e => new RequestFailure(e.StatusCode, e.Message),
        _ => new RequestFailure(500, $"internal error while serving request {requestId}; the server log has the detail"),
    };

    /// <summary>A plan over an explicit budget adds a table after its first line, which is for the log rather than the client.</summary>
    private static string FirstLine(string message) => message.Split('\n')[0];
}
