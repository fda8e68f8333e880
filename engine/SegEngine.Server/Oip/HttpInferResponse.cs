using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SegEngine.Export;
using SegEngine.Server.Hosting;

namespace SegEngine.Server.Oip;

/// <summary>
/// Writes an OIP v2 inference response: <c>labels</c> as a JSON array of numbers, or, when asked, as binary data after
/// the JSON header (<c>Inference-Header-Content-Length</c> says where the header ends).
/// </summary>
internal static class HttpInferResponse
{
    private const int Chunk = 1 << 16;

    public static async Task WriteAsync(HttpResponse response, ServedModel model, InferCall call, LabelMap labels, bool binary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(labels);
        long labelBytes = LabelBytes.Of(labels).Length;
        if (binary)
        {
            byte[] header = Header(model, call, labels, json => json.WriteNumber("binary_data_size", labelBytes));
            response.ContentType = "application/octet-stream";
            response.Headers[HttpInferRequest.HeaderLengthHeader] = header.Length.ToString(CultureInfo.InvariantCulture);
            response.ContentLength = header.Length + labelBytes;
            await response.Body.WriteAsync(header, cancellationToken).ConfigureAwait(false);
            await WriteBytesAsync(response.BodyWriter, labels, cancellationToken).ConfigureAwait(false);
            return;
        }

        response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(response.Body);
        WriteHeaderStart(json, model, call, labels);
        json.WritePropertyName("data");
        json.WriteStartArray();
        int voxels = (int)labels.Shape.Voxels;
        for (int start = 0; start < voxels; start += Chunk)
        {
            int end = Math.Min(voxels, start + Chunk);
            for (int i = start; i < end; i++)
            {
                json.WriteNumberValue(labels.IsUInt16 ? labels.UInt16[i] : labels.Bytes[i]);
            }

            await json.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        json.WriteEndArray();
        WriteHeaderEnd(json);
        await json.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static byte[] Header(ServedModel model, InferCall call, LabelMap labels, Action<Utf8JsonWriter> outputParameters)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            WriteHeaderStart(json, model, call, labels);
            json.WriteStartObject("parameters");
            outputParameters(json);
            json.WriteEndObject();
            WriteHeaderEnd(json);
        }

        return buffer.ToArray();
    }

    /// <summary>The response up to the labels output's contents: model, id, and the output's name, datatype and shape.</summary>
    private static void WriteHeaderStart(Utf8JsonWriter json, ServedModel model, InferCall call, LabelMap labels)
    {
        json.WriteStartObject();
        json.WriteString("model_name", model.Name);
        json.WriteString("model_version", ServedModel.Version);
        if (call.Id is not null)
        {
            json.WriteString("id", call.Id);
        }

        json.WriteStartArray("outputs");
        json.WriteStartObject();
        json.WriteString("name", InferCall.LabelsOutput);
        json.WriteString("datatype", LabelBytes.Datatype(labels));
        json.WriteStartArray("shape");
        foreach (long axis in LabelBytes.Shape(labels))
        {
            json.WriteNumberValue(axis);
        }

        json.WriteEndArray();
    }

    private static void WriteHeaderEnd(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static async Task WriteBytesAsync(PipeWriter writer, LabelMap labels, CancellationToken cancellationToken)
    {
        int total = LabelBytes.Of(labels).Length;
        for (int start = 0; start < total; start += Chunk)
        {
            int count = Math.Min(Chunk, total - start);
            LabelBytes.Of(labels).Slice(start, count).CopyTo(writer.GetSpan(count));
            writer.Advance(count);
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
