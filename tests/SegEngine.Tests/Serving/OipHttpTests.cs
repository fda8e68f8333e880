using System.Net;
using System.Text;
using System.Text.Json;
using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Serving;

/// <summary>The Open Inference Protocol v2 over HTTP against a real Kestrel: health, metadata, JSON and binary inference equal to <see cref="SegModel.Predict(ImageVolume, CancellationToken)"/>.</summary>
public sealed class OipHttpTests(ServerFixture server, SampleModels models) : IClassFixture<ServerFixture>, IClassFixture<SampleModels>
{
    private SegModel Model => models.Get("3d_fullres", tta: false);

    [Fact]
    public async Task HealthAndMetadataFollowTheProtocol()
    {
        using HttpResponseMessage live = await server.Http.GetAsync("/v2/health/live");
        using HttpResponseMessage ready = await server.Http.GetAsync("/v2/health/ready");
        using HttpResponseMessage modelReady = await server.Http.GetAsync("/v2/models/sample/ready");
        using HttpResponseMessage versionReady = await server.Http.GetAsync("/v2/models/sample/versions/1/ready");
        string metadata = await server.Http.GetStringAsync("/v2/models/sample");
        string serverMetadata = await server.Http.GetStringAsync("/v2");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, modelReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, versionReady.StatusCode);
        using JsonDocument json = JsonDocument.Parse(metadata);
        Assert.Equal("sample", json.RootElement.GetProperty("name").GetString());
        JsonElement input = json.RootElement.GetProperty("inputs")[0];
        Assert.Equal("image", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([1L, -1, -1, -1], input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        JsonElement output = json.RootElement.GetProperty("outputs")[0];
        Assert.Equal("labels", output.GetProperty("name").GetString());
        Assert.Equal("UINT8", output.GetProperty("datatype").GetString());
        Assert.Contains("binary_tensor_data", serverMetadata, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("case_000")]
    [InlineData("case_003")]
    public async Task BinaryInferenceEqualsPredict(string caseId)
    {
        using ImageVolume image = Model.ReadImage([TestPaths.SampleCase(caseId)]);
        ushort[] expected = Expected(image);

        using HttpResponseMessage response = await server.Http.PostAsync("/v2/models/sample/infer", OipClient.Binary(image));
        (string datatype, long[] shape, ushort[] labels) = await OipClient.ReadLabelsAsync(response);

        Assert.Equal("UINT8", datatype);
        Assert.Equal([image.Data.Shape.Z, image.Data.Shape.Y, image.Data.Shape.X], shape);
        Assert.Equal(expected, labels);
    }

    [Fact]
    public async Task JsonInferenceEqualsPredict()
    {
        using ImageVolume image = Model.ReadImage([TestPaths.SampleCase("case_003")]);
        ushort[] expected = Expected(image);

        using HttpResponseMessage response = await server.Http.PostAsync("/v2/models/sample/versions/1/infer", OipClient.Json(image));
        (_, _, ushort[] labels) = await OipClient.ReadLabelsAsync(response);

        Assert.Equal(expected, labels);
    }

    [Theory]
    [InlineData("{\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[1,2,2,2],\"data\":[1,2,3,4,5,6,7,8]}]}", "spacing")]
    [InlineData("{\"parameters\":{\"spacing\":\"1,1,1\"},\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[1,2,2,2],\"data\":[1,2,3]}]}", "needs 8 values, but 'data' holds 3")]
    [InlineData("{\"parameters\":{\"spacing\":\"1,1,1\"},\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[2,2,2,2],\"data\":[1,2,3,4,5,6,7,8,1,2,3,4,5,6,7,8]}]}", "2 channel(s)")]
    [InlineData("{\"parameters\":{\"spacing\":\"1,1,1\"},\"inputs\":[{\"name\":\"image\",\"datatype\":\"INT8\",\"shape\":[1,1,1,1],\"data\":[1]}]}", "FP32")]
    [InlineData("{\"parameters\":{\"spacing\":\"1,0,1\"},\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[1,1,1,1],\"data\":[1]}]}", "positive")]
    [InlineData("{\"parameters\":{\"spacing\":\"1,1,1\"},\"inputs\":[{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[1,100000,100000,100000],\"data\":[1]}]}", "needs 1000000000000000 values, but 'data' holds 1")]
    [InlineData("{\"inputs\": [", "not valid")]
    public async Task BadRequestsAreFourHundredsNamingTheProblem(string body, string problem)
    {
        using HttpResponseMessage response = await server.Http.PostAsync("/v2/models/sample/infer", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Contains(problem, await OipClient.ReadErrorAsync(response), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v2/models/sample/infer")]
    [InlineData("/v1/models/sample/segment")]
    public async Task ACompressedBodyIsRefusedNamingItsEncoding(string path)
    {
        using var content = new ByteArrayContent([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
        content.Headers.ContentEncoding.Add("gzip");
        using HttpResponseMessage response = await server.Http.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("Content-Encoding 'gzip' is not accepted", await OipClient.ReadErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BinarySizesThatDisagreeWithTheBodyAreRefusedBeforeAllocating()
    {
        // The header claims a 1 GiB tensor; the body holds 32 bytes.
        using HttpResponseMessage lying = await server.Http.PostAsync(
            "/v2/models/sample/infer", OipClient.Binary([1, 1024, 1024, 256], "1,1,1", new byte[32], declaredSize: 1L << 30));
        using HttpResponseMessage unknown = await server.Http.GetAsync("/v2/models/nothing");

        Assert.Equal(HttpStatusCode.BadRequest, lying.StatusCode);
        Assert.Contains("the body is", await OipClient.ReadErrorAsync(lying), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("'nothing' is not served here", await OipClient.ReadErrorAsync(unknown), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsCountRequestsByOutcomeAndTimeTheStages()
    {
        using ImageVolume image = Model.ReadImage([TestPaths.SampleCase("case_003")]);
        using HttpResponseMessage response = await server.Http.PostAsync("/v2/models/sample/infer", OipClient.Binary(image));
        Assert.True(response.IsSuccessStatusCode);

        string metrics = await server.Http.GetStringAsync("/metrics");

        Assert.Contains("segengine_requests_total{model=\"sample\",endpoint=\"infer\",outcome=\"ok\"}", metrics, StringComparison.Ordinal);
        foreach (string stage in new[] { "decode", "preprocess", "network", "export", "encode" })
        {
            Assert.Contains($"segengine_stage_seconds_count{{model=\"sample\",stage=\"{stage}\"}}", metrics, StringComparison.Ordinal);
        }

        Assert.Contains("segengine_queue_depth 0", metrics, StringComparison.Ordinal);
        Assert.Contains("segengine_resident_memory_bytes", metrics, StringComparison.Ordinal);
        Assert.Contains("\"event\":\"request\"", server.Log.ToString(), StringComparison.Ordinal);
    }

    private ushort[] Expected(ImageVolume image)
    {
        using LabelMap labels = Model.Predict(image);
        return labels.IsUInt16 ? labels.UInt16.ToArray() : [.. labels.Bytes.ToArray().Select(b => (ushort)b)];
    }
}
