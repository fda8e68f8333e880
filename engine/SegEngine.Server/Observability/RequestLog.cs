using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SegEngine.Server.Observability;

/// <summary>The structured request log: one JSON object per request and per server event, one line each, for any log shipper.</summary>
internal sealed class RequestLog(TextWriter writer)
{
    private readonly Lock gate = new();

    public void Request(RequestTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        Write(json =>
        {
            json.WriteString("event", "request");
            json.WriteString("id", trace.Id);
            json.WriteString("endpoint", trace.Endpoint);
            json.WriteString("model", trace.Model);
            json.WriteNumber("status", trace.Status);
            json.WriteString("outcome", trace.Outcome);
            json.WriteNumber("seconds", Math.Round(trace.ElapsedSeconds, 4));
            foreach ((string stage, double seconds) in trace.StageSeconds)
            {
                json.WriteNumber($"{stage}_seconds", Math.Round(seconds, 4));
            }

            json.WriteNumber("bytes_in", trace.BytesIn);
            json.WriteNumber("bytes_out", trace.BytesOut);
            if (trace.Error is not null)
            {
                json.WriteString("error", trace.Error);
            }
        });
    }

    /// <summary>A server event (start, ready, stop), with a human message.</summary>
    public void Event(string name, string message, Exception? detail = null) => Write(json =>
    {
        json.WriteString("event", name);
        json.WriteString("message", message);
        if (detail is not null)
        {
            // Only the log sees a stack trace; the client gets a short message.
            json.WriteString("detail", detail.ToString());
        }
    });

    private void Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            body(json);
            json.WriteEndObject();
        }

        string line = Encoding.UTF8.GetString(buffer.ToArray());
        lock (gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
