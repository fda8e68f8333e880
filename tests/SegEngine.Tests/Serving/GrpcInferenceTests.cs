using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Server.Grpc.Protocol;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Serving;

/// <summary><c>inference.GRPCInferenceService</c> against a real Kestrel: health, metadata, and ModelInfer with raw contents equal to <see cref="SegModel.Predict(ImageVolume, CancellationToken)"/>.</summary>
public sealed class GrpcInferenceTests(ServerFixture server, SampleModels models) : IClassFixture<ServerFixture>, IClassFixture<SampleModels>
{
    [Fact]
    public async Task ModelInferWithRawContentsEqualsPredict()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(server.Server.GrpcAddress!);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        SegModel model = models.Get("3d_fullres", tta: false);
        using ImageVolume image = model.ReadImage([TestPaths.SampleCase("case_000")]);
        using LabelMap expected = model.Predict(image);

        ServerLiveResponse live = await client.ServerLiveAsync(new ServerLiveRequest());
        ServerReadyResponse ready = await client.ServerReadyAsync(new ServerReadyRequest());
        ModelReadyResponse modelReady = await client.ModelReadyAsync(new ModelReadyRequest { Name = ServerFixture.ModelName });
        ModelMetadataResponse metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = ServerFixture.ModelName });
        var request = new ModelInferRequest
        {
            ModelName = ServerFixture.ModelName,
            Id = "grpc",
            Parameters = { [GeometryParameter] = new InferParameter { StringParam = OipClient.Spacing(image) } },
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "FP32", Shape = { OipClient.Shape(image) } } },
            RawInputContents = { ByteString.CopyFrom(MemoryMarshal.AsBytes(image.Data.Span)) },
        };
        ModelInferResponse response = await client.ModelInferAsync(request);

        Assert.True(live.Live);
        Assert.True(ready.Ready);
        Assert.True(modelReady.Ready);
        Assert.Equal("image", metadata.Inputs.Single().Name);
        Assert.Equal("grpc", response.Id);
        Assert.Equal("UINT8", response.Outputs.Single().Datatype);
        Assert.Equal([image.Data.Shape.Z, image.Data.Shape.Y, image.Data.Shape.X], response.Outputs.Single().Shape);
        Assert.Equal(expected.Bytes.ToArray(), response.RawOutputContents.Single().ToByteArray());
    }

    [Fact]
    public async Task ErrorsAreStatusCodesNamingTheProblem()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(server.Server.GrpcAddress!);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var wrongSize = new ModelInferRequest
        {
            ModelName = ServerFixture.ModelName,
            Parameters = { [GeometryParameter] = new InferParameter { StringParam = "1,1,1" } },
            Inputs = { new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "FP32", Shape = { 1, 4, 4, 4 } } },
            RawInputContents = { ByteString.CopyFrom(new byte[10]) },
        };

        RpcException size = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelInferAsync(wrongSize));
        RpcException missing = await Assert.ThrowsAsync<RpcException>(async () => await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "nothing" }));

        Assert.Equal(StatusCode.InvalidArgument, size.StatusCode);
        Assert.Contains("needs 256 bytes, but raw_input_contents holds 10", size.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    private const string GeometryParameter = "spacing";
}
