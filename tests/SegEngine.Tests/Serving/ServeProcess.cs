using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SegEngine.Tests.Serving;

/// <summary>Talks to a <c>segengine serve</c> child process started by <see cref="Cli.SegEngineProcess"/>.</summary>
internal static partial class ServeProcess
{
    /// <summary>The address from the line <c>segengine: serving on http://127.0.0.1:PORT</c> on standard error.</summary>
    public static async Task<Uri> ReadAddressAsync(Process serve)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await serve.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            if (ServingLine().Match(line) is { Success: true } match)
            {
                _ = serve.StandardError.ReadToEndAsync(CancellationToken.None);
                return new Uri(match.Groups[1].Value);
            }
        }

        throw new InvalidOperationException("segengine serve ended before printing its address");
    }

    [GeneratedRegex(@"serving on (http://\S+?)/?(?:\s|$)")]
    private static partial Regex ServingLine();
}
