using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SegEngine.Server.Hosting;

namespace SegEngine.Server.Oip;

/// <summary>
/// Writes an OIP v2 inference response: the outputs as JSON arrays of numbers, or, when asked, as binary data after the
/// JSON header (<c>Inference-Header-Content-Length</c> says where the header ends), in the order the header lists them.
/// Either way the values are streamed from the engine's buffers a chunk at a time.
/// </summary>
internal static class HttpInferResponse
{
    private const int Chunk = 1 << 16;

    public static async Task WriteAsync(
        HttpResponse response, ServedModel model, InferCall call, IReadOnlyList<OutputTensor> outputs, bool binary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(outputs);
        if (binary)
        {
            byte[] header = Header(model, call, outputs);
            response.ContentType = "application/octet-stream";
            response.Headers[HttpInferRequest.HeaderLengthHeader] = header.Length.ToString(CultureInfo.InvariantCulture);
            response.ContentLength = header.Length + outputs.Sum(o => (long)o.Bytes.Length);
            await response.Body.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            foreach (OutputTensor output in outputs)
            {
                await WriteBytesAsync(response.BodyWriter, output.Bytes, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body);
        WriteStart(json, model, call);
        foreach (OutputTensor output in outputs)
        {
            WriteOutputStart(json, output);
            json.WritePropertyName("data");
            json.WriteStartArray();
            for (long start = 0; start < output.Count; start += Chunk)
            {
                output.WriteJsonValues(json, start, Math.Min(output.Count, start + Chunk));
                await json.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        WriteEnd(json);
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The JSON header of a binary answer: each output's <c>binary_data_size</c> in place of its data.</summary>
    private static byte[] Header(ServedModel model, InferCall call, IReadOnlyList<OutputTensor> outputs)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteStart(json, model, call);
            foreach (OutputTensor output in outputs)
            {
                WriteOutputStart(json, output);
                json.WriteStartObject("parameters");
                json.WriteNumber("binary_data_size", output.Bytes.Length);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            WriteEnd(json);
        }

        return buffer.ToArray();
    }

    /// <summary>The response up to its first output: model, version, id, and the start of <c>outputs</c>.</summary>
    private static void WriteStart(Utf8JsonWriter json, ServedModel model, InferCall call)
    {
        json.WriteStartObject();
        json.WriteString("model_name", model.Name);
        json.WriteString("model_version", ServedModel.Version);
        if (call.Id is not null)
        {
            json.WriteString("id", call.Id);
        }

        json.WriteStartArray("outputs");
    }

    /// <summary>An output's object up to its contents: name, datatype and shape.</summary>
    private static void WriteOutputStart(Utf8JsonWriter json, OutputTensor output)
    {
        json.WriteStartObject();
        json.WriteString("name", output.Name);
        json.WriteString("datatype", output.Datatype);
        json.WriteStartArray("shape");
        foreach (long axis in output.Shape)
        {
            json.WriteNumberValue(axis);
        }

        json.WriteEndArray();
    }

    private static void WriteEnd(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static async Task WriteBytesAsync(PipeWriter writer, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        for (int start = 0; start < bytes.Length; start += Chunk)
        {
            int count = Math.Min(Chunk, bytes.Length - start);
            bytes.Span.Slice(start, count).CopyTo(writer.GetSpan(count));
            writer.Advance(count);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
