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

    /// <summary>The request with the image's FP32 bytes after a JSON header (the binary tensor data extension).</summary>
    public static HttpContent Binary(ImageVolume image, bool binaryOutput = true)
    {
        byte[] data = MemoryMarshal.AsBytes(image.Data.Span).ToArray();
        return Binary(Shape(image), Spacing(image), data, binaryOutput);
    }

    public static HttpContent Binary(long[] shape, string spacing, byte[] data, bool binaryOutput = true, long? declaredSize = null)
    {
        string header = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "binary",
            ["parameters"] = new Dictionary<string, object> { ["spacing"] = spacing },
            ["inputs"] = new[] { new Dictionary<string, object> { ["name"] = "image", ["datatype"] = "FP32", ["shape"] = shape, ["parameters"] = new Dictionary<string, object> { ["binary_data_size"] = declaredSize ?? data.Length } } },
            ["outputs"] = new[] { new Dictionary<string, object> { ["name"] = "labels", ["parameters"] = new Dictionary<string, object> { ["binary_data"] = binaryOutput } } },
        });
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        var content = new ByteArrayContent([.. headerBytes, .. data]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", headerBytes.Length.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>The request with the voxels as a JSON array of numbers.</summary>
    public static HttpContent Json(ImageVolume image)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{{\"id\":\"json\",\"parameters\":{{\"spacing\":\"{Spacing(image)}\"}},\"inputs\":[{{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[{string.Join(",", Shape(image))}],\"data\":[");
        ReadOnlySpan<float> voxels = image.Data.Span;
        for (int i = 0; i < voxels.Length; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(voxels[i].ToString("R", CultureInfo.InvariantCulture));
        }

        text.Append("]}]}");
        return new StringContent(text.ToString(), Encoding.UTF8, "application/json");
    }

    /// <summary>The labels of an inference response (JSON or binary), with their datatype and shape.</summary>
    public static async Task<(string Datatype, long[] Shape, ushort[] Labels)> ReadLabelsAsync(HttpResponseMessage response)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        int headerLength = response.Headers.TryGetValues("Inference-Header-Content-Length", out var values)
            ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
            : body.Length;
        using JsonDocument header = JsonDocument.Parse(body.AsMemory(0, headerLength));
        JsonElement output = header.RootElement.GetProperty("outputs")[0];
        Assert.Equal("labels", output.GetProperty("name").GetString());
        string datatype = output.GetProperty("datatype").GetString()!;
        long[] shape = [.. output.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64())];
        if (output.TryGetProperty("data", out JsonElement data))
        {
            return (datatype, shape, [.. data.EnumerateArray().Select(e => e.GetUInt16())]);
        }

        byte[] raw = body[headerLength..];
        Assert.Equal(output.GetProperty("parameters").GetProperty("binary_data_size").GetInt64(), raw.Length);
        ushort[] labels = datatype == "UINT8"
            ? [.. raw.Select(b => (ushort)b)]
            : [.. Enumerable.Range(0, raw.Length / 2).Select(i => BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)))];
        return (datatype, shape, labels);
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
