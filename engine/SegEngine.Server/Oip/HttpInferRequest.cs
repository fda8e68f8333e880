using System.Globalization;
using System.Text.Json;
using CommunityToolkit.HighPerformance;
using Microsoft.AspNetCore.Http;
using SegEngine.Server.Hosting;

namespace SegEngine.Server.Oip;

/// <summary>
/// An OIP v2 HTTP inference request: its JSON part read and checked, its voxels not yet. With the binary tensor data
/// extension (<c>Inference-Header-Content-Length</c>) the JSON header comes first and the FP32 bytes follow it in the
/// body; otherwise the tensor's <c>data</c> is a JSON array of numbers, flat or nested in row-major order.
/// </summary>
internal sealed class HttpInferRequest : IDisposable
{
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    private const int FillChunkFloats = 1 << 28;

    private readonly JsonDocument document;
    private readonly JsonElement? data;
    private readonly Stream body;

    private HttpInferRequest(JsonDocument document, InferCall call, bool binaryOutputs, JsonElement? data, Stream body)
    {
        this.document = document;
        Call = call;
        BinaryOutputs = binaryOutputs;
        this.data = data;
        this.body = body;
    }

    public InferCall Call { get; }

    /// <summary>
    /// Whether the client asked for the outputs as binary data (<c>binary_data</c> on each output it names, or the request
    /// parameter <c>binary_data_output</c>); they are all binary or all JSON.
    /// </summary>
    public bool BinaryOutputs { get; }

    /// <summary>Reads and checks the JSON part of <paramref name="request"/>; every size it declares is checked against the body's.</summary>
    public static async Task<HttpInferRequest> ReadAsync(HttpRequest request, ServeOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        long? headerLength = null;
        long bodyLength = 0;
        byte[] json;
        if (request.Headers.TryGetValue(HeaderLengthHeader, out var declared))
        {
            if (!long.TryParse(declared.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out long length))
            {
                throw RequestFailure.BadRequest($"{HeaderLengthHeader} must be a byte count, got '{RequestFailure.Quote(declared.ToString())}'");
            }

            bodyLength = BodyReading.RequireContentLength(request);
            if (length > bodyLength)
            {
                throw RequestFailure.BadRequest($"{HeaderLengthHeader} declares {length} bytes of JSON but the whole body is {bodyLength} bytes");
            }

            if (length > options.MaxJsonBytes)
            {
                throw new RequestFailure(413, $"the JSON header of {length} bytes is larger than the server's limit of {options.MaxJsonBytes} bytes");
            }

            headerLength = length;
            json = await BodyReading.ReadAsync(request.Body, length, exact: true, "the JSON header", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            json = await BodyReading.ReadAsync(request.Body, options.MaxJsonBytes, exact: false, "the JSON request", cancellationToken).ConfigureAwait(false);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw RequestFailure.BadRequest($"the request's JSON is not valid: {e.Message}");
        }

        try
        {
            return Create(document, headerLength, bodyLength, request.Body);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>Decodes the voxels into <paramref name="target"/>, which has the declared shape.</summary>
    public async Task FillAsync(VolumeBuffer<float> target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (data is { } array)
        {
            int written = 0;
            Span<float> span = target.Span;
            Write(array, span, ref written);
            return;
        }

        for (long offset = 0; offset < target.Length; offset += FillChunkFloats)
        {
            int count = (int)Math.Min(FillChunkFloats, target.Length - offset);
            await BodyReading.FillAsync(body, target.Memory.Slice((int)offset, count).AsBytes(), $"the tensor '{Call.InputName}'", cancellationToken).ConfigureAwait(false);
        }

        byte[] extra = new byte[1];
        if (await body.ReadAsync(extra, cancellationToken).ConfigureAwait(false) != 0)
        {
            throw RequestFailure.BadRequest("the body holds more bytes than the JSON header declares");
        }
    }

    public void Dispose() => document.Dispose();

    private static HttpInferRequest Create(JsonDocument document, long? headerLength, long bodyLength, Stream body)
    {
        JsonElement root = document.RootElement;
        Require(root.ValueKind == JsonValueKind.Object, "the request must be a JSON object");
        Require(root.TryGetProperty("inputs", out JsonElement inputs) && inputs.ValueKind == JsonValueKind.Array && inputs.GetArrayLength() == 1,
            $"the request must have 'inputs' with one tensor, '{InferCall.ImageInput}'");
        JsonElement input = inputs[0];
        Require(input.ValueKind == JsonValueKind.Object, "an input tensor must be a JSON object");
        string name = String(input, "name") ?? throw RequestFailure.BadRequest("the input tensor has no 'name'");
        string datatype = String(input, "datatype") ?? throw RequestFailure.BadRequest($"input '{RequestFailure.Quote(name)}' has no 'datatype'");
        Require(input.TryGetProperty("shape", out JsonElement shapeElement) && shapeElement.ValueKind == JsonValueKind.Array && shapeElement.GetArrayLength() <= 8,
            $"input '{RequestFailure.Quote(name)}' needs a 'shape' of at most 8 integers");
        long[] shape = [.. shapeElement.EnumerateArray().Select(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long v)
            ? v
            : throw RequestFailure.BadRequest($"input '{RequestFailure.Quote(name)}': every shape entry must be an integer"))];

        JsonElement? parameters = root.TryGetProperty("parameters", out JsonElement p) && p.ValueKind == JsonValueKind.Object ? p : null;
        var call = new InferCall
        {
            Id = String(root, "id"),
            InputName = name,
            Datatype = datatype,
            Shape = shape,
            Spacing = GeometryParameters.ParseSpacing(parameters is { } sp ? ListParameter(sp, GeometryParameters.Spacing) : null),
            Affine = GeometryParameters.ParseAffine(parameters is { } ap ? ListParameter(ap, GeometryParameters.Affine) : null),
            RequestedOutputs = [.. Outputs(root)],
        };
        bool allBinary = parameters is { } bp && Bool(bp, "binary_data_output");
        int binaryNamed = call.RequestedOutputs.Count(o => o.Binary);
        Require(
            allBinary || binaryNamed == 0 || binaryNamed == call.RequestedOutputs.Count,
            "the outputs must be all binary data or all JSON: this server streams JSON data and puts binary data after the JSON header");
        bool binaryOutputs = allBinary || binaryNamed > 0;

        long? binarySize = input.TryGetProperty("parameters", out JsonElement inputParameters) && inputParameters.ValueKind == JsonValueKind.Object
            && inputParameters.TryGetProperty("binary_data_size", out JsonElement size)
            ? (size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out long bytes) && bytes >= 0 ? bytes : throw RequestFailure.BadRequest("binary_data_size must be a byte count"))
            : null;
        bool hasData = input.TryGetProperty("data", out JsonElement data);
        if (headerLength is { } jsonBytes)
        {
            Require(binarySize is not null && !hasData, $"input '{name}' must carry its bytes as binary data ('binary_data_size') in a request with {HeaderLengthHeader}");
            long expected = checked(jsonBytes + binarySize!.Value);
            Require(expected == bodyLength, $"the JSON header ({jsonBytes} bytes) and binary_data_size ({binarySize} bytes) add up to {expected} bytes, but the body is {bodyLength} bytes");
        }
        else
        {
            Require(binarySize is null, $"binary_data_size needs the {HeaderLengthHeader} header");
            Require(hasData && data.ValueKind == JsonValueKind.Array, $"input '{name}' has no 'data' array (or send it as binary data with {HeaderLengthHeader})");
        }

        return new HttpInferRequest(document, call, binaryOutputs, hasData ? data : null, body).Checked(binarySize, hasData ? data : null);
    }

    /// <summary>The declared data size against the declared shape, before anything is allocated for it.</summary>
    private HttpInferRequest Checked(long? binarySize, JsonElement? json)
    {
        if (Call.Shape.Length != 4 || Call.Shape.Any(d => d < 1 || d > int.MaxValue))
        {
            // InferCall.Check names the problem; the sizes below are only comparable for a plausible shape.
            return this;
        }

        double elements = Call.Shape.Aggregate(1.0, (product, axis) => product * axis);
        if (binarySize is { } bytes && bytes != elements * 4)
        {
            throw RequestFailure.BadRequest(
                $"input '{Call.InputName}' of shape [{string.Join(", ", Call.Shape)}] FP32 needs {elements * 4:F0} bytes, but binary_data_size is {bytes}");
        }

        if (json is { } array && Count(array) is var count && count != elements)
        {
            throw RequestFailure.BadRequest(
                $"input '{Call.InputName}' of shape [{string.Join(", ", Call.Shape)}] needs {elements:F0} values, but 'data' holds {count}");
        }

        return this;
    }

    private static long Count(JsonElement element) => element.ValueKind == JsonValueKind.Array
        ? element.EnumerateArray().Sum(Count)
        : 1;

    private static void Write(JsonElement element, Span<float> target, ref int written)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                Write(item, target, ref written);
            }

            return;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetSingle(out float value))
        {
            throw RequestFailure.BadRequest($"'data' entry {written} is not an FP32 number");
        }

        target[written++] = value;
    }

    /// <summary>The outputs the request names, each with its parameters <c>datatype</c> and <c>binary_data</c>.</summary>
    private static IEnumerable<RequestedOutput> Outputs(JsonElement root)
    {
        if (!root.TryGetProperty("outputs", out JsonElement outputs) || outputs.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (JsonElement output in outputs.EnumerateArray())
        {
            string name = output.ValueKind == JsonValueKind.Object ? String(output, "name") ?? "" : "";
            JsonElement? parameters = output.ValueKind == JsonValueKind.Object && output.TryGetProperty("parameters", out JsonElement p)
                && p.ValueKind == JsonValueKind.Object ? p : null;
            yield return new RequestedOutput(
                name,
                parameters is { } datatype ? String(datatype, InferCall.DatatypeParameter) : null,
                parameters is { } binary && Bool(binary, "binary_data"));
        }
    }

    private static string? String(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.True;

    /// <summary>A list parameter as its comma-separated text; HTTP clients may also send a JSON array of numbers.</summary>
    private static string? ListParameter(JsonElement parameters, string name)
    {
        if (!parameters.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Array when value.GetArrayLength() <= 16 => string.Join(",", value.EnumerateArray().Select(v => v.GetRawText())),
            _ => throw RequestFailure.BadRequest($"the request parameter '{name}' must be a string of comma-separated numbers"),
        };
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw RequestFailure.BadRequest(message);
        }
    }
}
