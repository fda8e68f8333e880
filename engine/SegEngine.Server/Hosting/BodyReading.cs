using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace SegEngine.Server.Hosting;

/// <summary>Reads a request body in pieces as it arrives, so that what is allocated follows what the client really sent.</summary>
internal static class BodyReading
{
    private const int Chunk = 1 << 20;

    /// <summary>
    /// Reads up to <paramref name="limit"/> bytes, or exactly <paramref name="limit"/> when <paramref name="exact"/>;
    /// a body longer than <paramref name="limit"/> (when not exact) is 413, a shorter one (when exact) 400.
    /// </summary>
    public static async Task<byte[]> ReadAsync(Stream body, long limit, bool exact, string what, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(Chunk, Math.Max(limit, 1)));
        long total = 0;
        while (true)
        {
            int want = (int)Math.Min(Chunk, exact ? limit - total : limit + 1 - total);
            if (want == 0)
            {
                break;
            }

            int read = await body.ReadAsync(buffer.GetMemory(want)[..want], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            total += read;
        }

        if (!exact && total > limit)
        {
            throw new RequestFailure(413, $"{what} is larger than the server's limit of {limit} bytes");
        }

        if (exact && total < limit)
        {
            throw RequestFailure.BadRequest($"{what} ended after {total} of the {limit} bytes its header declares");
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Fills <paramref name="target"/> from the body; a body that ends early is 400.</summary>
    public static async Task FillAsync(Stream body, Memory<byte> target, string what, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < target.Length)
        {
            int read = await body.ReadAsync(target[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw RequestFailure.BadRequest($"{what} ended after {total} of the {target.Length} bytes its header declares");
            }

            total += read;
        }
    }

    /// <summary>
    /// Refuses a body sent with a content coding (415): the size checks made before reading are on the bytes as they
    /// arrive, which a compressed body would make meaningless, so the client is told to send it as it is.
    /// </summary>
    public static void RequireIdentityEncoding(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        string encoding = request.Headers.ContentEncoding.ToString().Trim();
        if (encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestFailure(415, $"Content-Encoding '{RequestFailure.Quote(encoding)}' is not accepted: send the body uncompressed");
        }
    }

    /// <summary>The body's length when the client declared it (the binary extension needs it to check the sizes before reading).</summary>
    public static long RequireContentLength(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContentLength ?? throw new RequestFailure(411, "a binary tensor request needs a Content-Length header");
    }
}
