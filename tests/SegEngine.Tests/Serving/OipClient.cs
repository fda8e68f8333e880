using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SegEngine.Io;

namespace SegEngine.Tests.Serving;

/// <summary>Builds OIP v2 inference requests for an image as the protocol's clients do, and reads their answers.</summary>
internal static class OipClient
{
    public static string Spacing(ImageVolume image) =>
        string.Join(",", image.Spacing.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));

    public static long[] Shape(ImageVolume image) => [image.Data.Channels, image.Data.Shape.Z, image.Data.Shape.Y, image.Data.Shape.X];

    /// <summary>An entry of the request's <c>outputs</c>: the name, <c>binary_data</c> and, when given, the <c>datatype</c> parameter.</summary>
    public static Dictionary<string, object> Output(string name, bool binary, string? datatype = null)
    {
        var parameters = new Dictionary<string, object> { ["binary_data"] = binary };
        if (datatype is not null)
        {
            parameters["datatype"] = datatype;
        }

        return new Dictionary<string, object> { ["name"] = name, ["parameters"] = parameters };
    }

    /// <summary>The request with the image's FP32 bytes after a JSON header (the binary tensor data extension).</summary>
    public static HttpContent Binary(ImageVolume image, bool binaryOutput = true, IReadOnlyList<Dictionary<string, object>>? outputs = null)
    {
        byte[] data = MemoryMarshal.AsBytes(image.Data.Span).ToArray();
        return Binary(Shape(image), Spacing(image), data, binaryOutput, outputs: outputs);
    }

    public static HttpContent Binary(
        long[] shape, string spacing, byte[] data, bool binaryOutput = true, long? declaredSize = null, IReadOnlyList<Dictionary<string, object>>? outputs = null)
    {
        string header = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "binary",
            ["parameters"] = new Dictionary<string, object> { ["spacing"] = spacing },
            ["inputs"] = new[] { new Dictionary<string, object> { ["name"] = "image", ["datatype"] = "FP32", ["shape"] = shape, ["parameters"] = new Dictionary<string, object> { ["binary_data_size"] = declaredSize ?? data.Length } } },
            ["outputs"] = outputs ?? [Output("labels", binaryOutput)],
        });
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        var content = new ByteArrayContent([.. headerBytes, .. data]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", headerBytes.Length.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>The request with the voxels as a JSON array of numbers, and <paramref name="outputs"/> when given.</summary>
    public static HttpContent Json(ImageVolume image, IReadOnlyList<Dictionary<string, object>>? outputs = null)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"json\",\"parameters\":{{\"spacing\":\"{Spacing(image)}\"}},\"inputs\":[{{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[{string.Join(",", Shape(image))}],\"data\":[");
        ReadOnlySpan<float> voxels = image.Data.Span;
        for (int i = 0; i < voxels.Length; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(voxels[i].ToString("R", CultureInfo.InvariantCulture));
        }

        text.Append("]}]");
        if (outputs is not null)
        {
            text.Append(",\"outputs\":").Append(JsonSerializer.Serialize(outputs));
        }

        text.Append('}');
        return new StringContent(text.ToString(), Encoding.UTF8, "application/json");
    }

    /// <summary>The labels of an inference response (JSON or binary), with their datatype and shape.</summary>
    public static async Task<(string Datatype, long[] Shape, ushort[] Labels)> ReadLabelsAsync(HttpResponseMessage response)
    {
        (string name, string datatype, long[] shape, byte[] raw) = (await ReadOutputsAsync(response))[0];
        Assert.Equal("labels", name);
        ushort[] labels = datatype == "UINT8"
            ? [.. raw.Select(b => (ushort)b)]
            : [.. Enumerable.Range(0, raw.Length / 2).Select(i => BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)))];
        return (datatype, shape, labels);
    }

    /// <summary>
    /// Every output of an inference response in its order, with its values as little-endian bytes: binary data as sent,
    /// JSON numbers read back into their datatype.
    /// </summary>
    public static async Task<(string Name, string Datatype, long[] Shape, byte[] Bytes)[]> ReadOutputsAsync(HttpResponseMessage response)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        int headerLength = response.Headers.TryGetValues("Inference-Header-Content-Length", out var values)
            ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
            : body.Length;
        using JsonDocument header = JsonDocument.Parse(body.AsMemory(0, headerLength));
        var outputs = new List<(string, string, long[], byte[])>();
        int offset = headerLength;
        foreach (JsonElement output in header.RootElement.GetProperty("outputs").EnumerateArray())
        {
            string datatype = output.GetProperty("datatype").GetString()!;
            long[] shape = [.. output.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
            byte[] bytes;
            if (output.TryGetProperty("data", out JsonElement data))
            {
                bytes = [.. data.EnumerateArray().SelectMany(e => JsonValueBytes(e, datatype))];
            }
            else
            {
                int size = (int)output.GetProperty("parameters").GetProperty("binary_data_size").GetInt64();
                bytes = body[offset..(offset + size)];
                offset += size;
            }

            outputs.Add((output.GetProperty("name").GetString()!, datatype, shape, bytes));
        }

        Assert.Equal(body.Length, offset);
        return [.. outputs];
    }

    private static byte[] JsonValueBytes(JsonElement value, string datatype)
    {
        byte[] bytes = new byte[datatype switch { "UINT8" => 1, "UINT16" or "FP16" => 2, _ => 4 }];
        switch (datatype)
        {
            case "UINT8":
                bytes[0] = value.GetByte();
                break;
            case "UINT16":
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, value.GetUInt16());
                break;
            case "FP16":
                BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)value.GetSingle());
                break;
            default:
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value.GetSingle());
                break;
        }

        return bytes;
    }

    /// <summary>The <c>error</c> of a JSON error answer.</summary>
    public static async Task<string> ReadErrorAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetString()!;
    }
}
