using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SegEngine.Server.Hosting;

namespace SegEngine.Server.Oip;

/// <summary>
/// The Open Inference Protocol v2 over HTTP/REST: health, server and model metadata, model readiness and inference,
/// each model path also under <c>/versions/{version}</c>.
/// </summary>
internal static class OipHttpEndpoints
{
    public static void Map(IEndpointRouteBuilder routes, ServingState state)
    {
        routes.MapGet("/v2/health/live", context => WriteJsonAsync(context, 200, json => json.WriteBoolean("live", true)));
        routes.MapGet("/v2/health/ready", context => state.Models.IsReady
            ? WriteJsonAsync(context, 200, json => json.WriteBoolean("ready", true))
            : ErrorResponse.WriteAsync(context, new RequestFailure(503, "the server is loading its models", FailureMapping.BusyRetryAfter)));
        routes.MapGet("/v2", context => WriteJsonAsync(context, 200, json =>
        {
            json.WriteString("name", ServerInfo.Name);
            json.WriteString("version", ServerInfo.Version);
            json.WriteStartArray("extensions");
            foreach (string extension in ServerInfo.Extensions)
            {
                json.WriteStringValue(extension);
            }

            json.WriteEndArray();
        }));

        foreach (string prefix in new[] { "/v2/models/{name}", "/v2/models/{name}/versions/{version}" })
        {
            routes.MapGet(prefix, context => Answer(context, state, "metadata", (model, _, _) => WriteJsonAsync(context, 200, json => WriteMetadata(json, model))));
            routes.MapGet(prefix + "/ready", context => Answer(context, state, "ready", (_, _, _) => WriteJsonAsync(context, 200, json => json.WriteBoolean("ready", true))));
            routes.MapPost(prefix + "/infer", context => Answer(context, state, "infer", (model, trace, token) => InferAsync(context, state, model, trace, token)));
        }
    }

    /// <summary>Runs <paramref name="work"/> for the model the route names, inside the request's scope.</summary>
    internal static Task Answer(HttpContext context, ServingState state, string endpoint, Func<ServedModel, Observability.RequestTrace, CancellationToken, Task> work) =>
        HttpRequestScope.RunAsync(context, state, endpoint, (trace, token) =>
        {
            string name = (string)context.Request.RouteValues["name"]!;
            trace.Model = name;
            ServedModel model = state.Resolve(name, context.Request.RouteValues["version"] as string);
            return work(model, trace, token);
        });

    internal static void WriteMetadata(Utf8JsonWriter json, ServedModel model)
    {
        json.WriteString("name", model.Name);
        json.WriteStartArray("versions");
        json.WriteStringValue(ServedModel.Version);
        json.WriteEndArray();
        json.WriteString("platform", ServedModel.Platform);
        json.WriteStartArray("inputs");
        WriteTensor(json, InferCall.ImageInput, "FP32", [model.Channels, -1, -1, -1]);
        json.WriteEndArray();
        json.WriteStartArray("outputs");
        WriteTensor(json, InferCall.LabelsOutput, model.LabelDatatype, [-1, -1, -1]);
        WriteTensor(json, InferCall.ProbabilitiesOutput, InferCall.Fp32, [model.ProbabilityChannels, -1, -1, -1]);
        json.WriteEndArray();
    }

    private static void WriteTensor(Utf8JsonWriter json, string name, string datatype, long[] shape)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("datatype", datatype);
        json.WriteStartArray("shape");
        foreach (long axis in shape)
        {
            json.WriteNumberValue(axis);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static async Task InferAsync(HttpContext context, ServingState state, ServedModel model, Observability.RequestTrace trace, CancellationToken token)
    {
        using HttpInferRequest request = await HttpInferRequest.ReadAsync(context.Request, state.Options, token).ConfigureAwait(false);
        using InferenceResult result = await InferenceRunner.PredictAsync(state, model, request.Call, request.FillAsync, trace, token).ConfigureAwait(false);
        await trace.TimeAsync(
            "encode", () => HttpInferResponse.WriteAsync(context.Response, model, request.Call, result.Outputs(request.Call), request.BinaryOutputs, token)).ConfigureAwait(false);
    }

    internal static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        body(json);
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
