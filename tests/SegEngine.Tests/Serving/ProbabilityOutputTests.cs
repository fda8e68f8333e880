using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Server.Grpc.Protocol;
using SegEngine.Server.Oip;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Serving;

/// <summary>
/// The <c>probabilities</c> output against a real Kestrel: over HTTP JSON, binary data and gRPC, FP32 and FP16, equal
/// bit for bit to the <c>.npz</c> that <c>predict --save_probabilities</c> writes for the case (FP16: NumPy's
/// <c>astype(float16)</c> of it); a datatype it does not have is refused naming it; the memory plan counts it.
/// </summary>
public sealed class ProbabilityOutputTests(ServerFixture server, SampleModels models) : IClassFixture<ServerFixture>, IClassFixture<SampleModels>
{
    private SegModel Model => models.Get("3d_fullres", tta: false);

    [Theory]
    [InlineData("case_000", "FP32")]
    [InlineData("case_000", "FP16")]
    [InlineData("case_003", "FP32")]
    [InlineData("case_003", "FP16")]
    public async Task HttpJsonBinaryAndGrpcProbabilitiesEqualTheNpz(string caseId, string datatype)
    {
        (long[] npzShape, byte[] expected) = ExpectedProbabilities(caseId, datatype);
        using ImageVolume image = Model.ReadImage([TestPaths.SampleCase(caseId)]);
        using LabelMap labels = Model.Predict(image);

        using HttpResponseMessage json = await server.Http.PostAsync(
            "/v2/models/sample/infer", OipClient.Json(image, [OipClient.Output("labels", binary: false), OipClient.Output("probabilities", binary: false, datatype)]));
        var jsonOutputs = await OipClient.ReadOutputsAsync(json);
        using HttpResponseMessage binary = await server.Http.PostAsync(
            "/v2/models/sample/infer", OipClient.Binary(image, outputs: [OipClient.Output("probabilities", binary: true, datatype), OipClient.Output("labels", binary: true)]));
        var binaryOutputs = await OipClient.ReadOutputsAsync(binary);
        ModelInferResponse grpc = await GrpcInferAsync(image, datatype);

        Assert.Equal(["labels", "probabilities"], jsonOutputs.Select(o => o.Name));
        Assert.Equal(labels.Bytes.ToArray(), jsonOutputs[0].Bytes);
        Assert.Equal(["probabilities", "labels"], binaryOutputs.Select(o => o.Name));
        Assert.Equal(labels.Bytes.ToArray(), binaryOutputs[1].Bytes);
        foreach ((string name, string answered, long[] shape, byte[] bytes) in new[] { jsonOutputs[1], binaryOutputs[0] })
        {
            Assert.Equal("probabilities", name);
            Assert.Equal(datatype, answered);
            Assert.Equal(npzShape, shape);
            Assert.True(expected.AsSpan().SequenceEqual(bytes), $"{caseId} {datatype}: the answer differs from the .npz");
        }

        Assert.Equal("probabilities", grpc.Outputs.Single().Name);
        Assert.Equal(datatype, grpc.Outputs.Single().Datatype);
        Assert.Equal(npzShape, grpc.Outputs.Single().Shape);
        Assert.True(expected.AsSpan().SequenceEqual(grpc.RawOutputContents.Single().Span), $"{caseId} {datatype}: the gRPC answer differs from the .npz");
    }

    [Fact]
    public async Task ADatatypeTheProbabilitiesDoNotHaveIsRefusedNamingIt()
    {
        using ImageVolume image = Model.ReadImage([TestPaths.SampleCase("case_003")]);

        using HttpResponseMessage http = await server.Http.PostAsync(
            "/v2/models/sample/infer", OipClient.Binary(image, outputs: [OipClient.Output("probabilities", binary: true, "INT8")]));
        using HttpResponseMessage mixed = await server.Http.PostAsync(
            "/v2/models/sample/infer", OipClient.Binary(image, outputs: [OipClient.Output("probabilities", binary: false), OipClient.Output("labels", binary: true)]));
        RpcException grpc = await Assert.ThrowsAsync<RpcException>(() => GrpcInferAsync(image, "BF16"));
        string metadata = await server.Http.GetStringAsync("/v2/models/sample");

        Assert.Equal(HttpStatusCode.BadRequest, http.StatusCode);
        Assert.Contains("output 'probabilities' cannot have datatype 'INT8': it is FP32 or FP16", await OipClient.ReadErrorAsync(http), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Contains("all binary data or all JSON", await OipClient.ReadErrorAsync(mixed), StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Contains("'BF16'", grpc.Status.Detail, StringComparison.Ordinal);
        using JsonDocument json = JsonDocument.Parse(metadata);
        JsonElement probabilities = json.RootElement.GetProperty("outputs")[1];
        Assert.Equal("probabilities", probabilities.GetProperty("name").GetString());
        Assert.Equal([3L, -1, -1, -1], probabilities.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
    }

    [Fact]
    public void Fp16IsNumpysRoundingOfTheFloat32Values()
    {
        string folder = Path.Combine(TestPaths.Fixtures, "serving");
        float[] values = Npy.Read(Path.Combine(folder, "float16_values.npy")).As<float>().ToArray();
        byte[] numpy = Npy.Read(Path.Combine(folder, "float16_halves.npy")).Data;
        using VolumeBuffer<float> buffer = VolumeBuffer<float>.Allocate(1, new Shape3(1, 1, values.Length));
        values.CopyTo(buffer.Span);

        OutputTensor tensor = OutputTensor.Probabilities(buffer, "FP16");

        Assert.Equal(numpy, tensor.Bytes.ToArray());
        Assert.Equal(numpy, HalfBytes(values));
    }

    [Fact]
    public void TheMemoryPlanCountsTheProbabilitiesHandedOver()
    {
        var shape = new Shape3(97, 89, 71);
        double[] spacing = [1.5, 1.0, 1.0];

        MemoryPlan labelsOnly = Model.PlanMemory(shape, spacing);
        MemoryPlan file = Model.PlanMemory(shape, spacing, ProbabilityOutput.File);
        MemoryPlan memory = Model.PlanMemory(shape, spacing, ProbabilityOutput.Memory);

        long probabilities = 3 * shape.Voxels * sizeof(float);
        Assert.Equal(probabilities, memory.Items.Single(i => i.Item == "probabilities (f32)").Bytes);
        Assert.Equal(0, file.Items.Single(i => i.Item == "probabilities (f32)").Bytes);
        Assert.Equal(file.TotalBytes + probabilities, memory.TotalBytes);
        Assert.Equal(file.PerCaseBytes + probabilities, memory.PerCaseBytes);
        Assert.True(file.TotalBytes > labelsOnly.TotalBytes);
    }

    /// <summary>The npz's shape and its values as little-endian bytes: float32 as written, or each rounded to a half.</summary>
    private (long[] Shape, byte[] Bytes) ExpectedProbabilities(string caseId, string datatype)
    {
        string folder = TestPaths.NewTempFolder();
        string npz = Path.Combine(folder, $"{caseId}.npz");
        Model.PredictFile([TestPaths.SampleCase(caseId)], Path.Combine(folder, $"{caseId}.nii.gz"), npz);
        NpyArray probabilities = Npy.ReadFromNpz(npz, "probabilities");
        Assert.Equal(NpyType.Float32, probabilities.Type);
        return (probabilities.Shape, datatype == "FP32" ? probabilities.Data : HalfBytes(probabilities.As<float>()));
    }

    /// <summary>Each value cast to <see cref="Half"/> one at a time (the naive twin of the server's chunked conversion).</summary>
    private static byte[] HalfBytes(ReadOnlySpan<float> values)
    {
        var halves = new Half[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            halves[i] = (Half)values[i];
        }

        return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
    }

    private async Task<ModelInferResponse> GrpcInferAsync(ImageVolume image, string datatype)
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(server.Server.GrpcAddress!, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var request = new ModelInferRequest
        {
            ModelName = ServerFixture.ModelName,
            Parameters = { ["spacing"] = new InferParameter { StringParam = OipClient.Spacing(image) } },
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "FP32", Shape = { OipClient.Shape(image) } } },
            Outputs = { new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "probabilities", Parameters = { ["datatype"] = new InferParameter { StringParam = datatype } } } },
            RawInputContents = { ByteString.CopyFrom(MemoryMarshal.AsBytes(image.Data.Span)) },
        };
        return await client.ModelInferAsync(request);
    }
}
