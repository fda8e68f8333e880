using Microsoft.AspNetCore.Http;
using SegEngine.Server.Observability;

namespace SegEngine.Server.Hosting;

/// <summary>
/// Runs one HTTP request's work under its deadline and its client's connection: the token the work gets is cancelled
/// when the request times out or the client goes away, and reaches the sliding window. Any failure becomes the
/// protocol's JSON error; the request is counted and logged once.
/// </summary>
internal static class HttpRequestScope
{
    public static async Task RunAsync(HttpContext context, ServingState state, string endpoint, Func<RequestTrace, CancellationToken, Task> work)
    {
        var trace = new RequestTrace(endpoint);
        using var deadline = new CancellationTokenSource(state.Options.RequestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
        context.Response.Headers["X-Request-Id"] = trace.Id;
        try
        {
            BodyReading.RequireIdentityEncoding(context.Request);
            await work(trace, linked.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (context.RequestAborted.IsCancellationRequested && !deadline.IsCancellationRequested)
        {
            // The client left: its work was cancelled and nobody is there to answer.
            trace.Outcome = "cancelled";
            trace.Status = 499;
            trace.Error = error.Message;
        }
        catch (Exception error)
        {
            RequestFailure failure = FailureMapping.Map(error, deadline.IsCancellationRequested, state.Options.RequestTimeout, trace.Id);
            trace.Outcome = failure.Outcome;
            trace.Status = failure.Status;
            trace.Error = failure.Message;
            if (failure.Status >= 500 && error is not RequestFailure)
            {
                state.Log.Event("error", $"request {trace.Id} failed", error);
            }

            await ErrorResponse.WriteAsync(context, failure).ConfigureAwait(false);
        }
        finally
        {
            trace.BytesIn = context.Request.ContentLength ?? 0;
            trace.BytesOut = context.Response.ContentLength ?? 0;
            state.Finish(trace);
        }
    }
}
