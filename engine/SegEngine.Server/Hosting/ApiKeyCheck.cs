using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SegEngine.Server.Hosting;

/// <summary>
/// The optional bearer token: with an API key configured, every request but the health probes and the metrics scrape
/// (which Kubernetes and Prometheus make without credentials) must carry <c>Authorization: Bearer KEY</c>.
/// </summary>
internal sealed class ApiKeyCheck(string apiKey)
{
    private readonly byte[] expected = Encoding.UTF8.GetBytes(apiKey);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        PathString path = context.Request.Path;
        if (path.StartsWithSegments("/v2/health", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal) || Authorized(context.Request))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await ErrorResponse.WriteAsync(context, new RequestFailure(401, "this server needs an API key: send 'Authorization: Bearer KEY'")).ConfigureAwait(false);
    }

    private bool Authorized(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), expected);
    }
}
