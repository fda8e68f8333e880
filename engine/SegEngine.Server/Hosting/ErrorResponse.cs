using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SegEngine.Server.Hosting;

/// <summary>The protocol's error body, <c>{"error": "message"}</c>, with <c>Retry-After</c> when the client may try again.</summary>
internal static class ErrorResponse
{
    public static async Task WriteAsync(HttpContext context, RequestFailure failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(failure);
        if (context.Response.HasStarted)
        {
            // Too late for a status: the client sees the answer cut short.
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = failure.Status;
        if (failure.RetryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(retry.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("error", failure.Message);
        json.WriteEndObject();
        await json.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
