using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Grpc.Core;
using SegEngine.Server.Hosting;
using SegEngine.Server.Observability;
using SegEngine.Server.Oip;
using SegEngine.Server.Grpc.Protocol;

namespace SegEngine.Server.Grpc;

/// <summary>
/// <c>inference.GRPCInferenceService</c>: the same calls as the HTTP endpoints over gRPC. ModelInfer takes the image as
/// <c>raw_input_contents</c> (or <c>fp32_contents</c>) and answers <c>labels</c> in <c>raw_output_contents</c>.
/// </summary>
internal sealed class GrpcInferenceEndpoint(ServingState state) : GRPCInferenceService.GRPCInferenceServiceBase
{
    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = state.Models.IsReady });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerMetadataResponse { Name = ServerInfo.Name, Version = ServerInfo.Version, Extensions = { ServerInfo.Extensions } });

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Run(context, "ready", request.Name, (_, _, _) =>
        {
            _ = state.Resolve(request.Name, request.Version);
            return Task.FromResult(new ModelReadyResponse { Ready = true });
        });

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) =>
        Run(context, "metadata", request.Name, (_, _, _) =>
        {
            ServedModel model = state.Resolve(request.Name, request.Version);
            return Task.FromResult(new ModelMetadataResponse
            {
                Name = model.Name,
                Versions = { ServedModel.Version },
                Platform = ServedModel.Platform,
                Inputs = { new ModelMetadataResponse.Types.TensorMetadata { Name = InferCall.ImageInput, Datatype = "FP32", Shape = { model.Channels, -1, -1, -1 } } },
                Outputs =
                {
                    new ModelMetadataResponse.Types.TensorMetadata { Name = InferCall.LabelsOutput, Datatype = model.LabelDatatype, Shape = { -1, -1, -1 } },
                    new ModelMetadataResponse.Types.TensorMetadata { Name = InferCall.ProbabilitiesOutput, Datatype = InferCall.Fp32, Shape = { model.ProbabilityChannels, -1, -1, -1 } },
                },
            });
        });

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context) =>
        Run(context, "infer", request.ModelName, async (trace, token, _) =>
        {
            ServedModel model = state.Resolve(request.ModelName, request.ModelVersion);
            if (request.Inputs.Count != 1)
            {
                throw RequestFailure.BadRequest($"the request must have one input tensor, '{InferCall.ImageInput}'; it has {request.Inputs.Count}");
            }

            ModelInferRequest.Types.InferInputTensor input = request.Inputs[0];
            var call = new InferCall
            {
                Id = request.Id,
                InputName = input.Name,
                Datatype = input.Datatype,
                Shape = [.. input.Shape],
                Spacing = GeometryParameters.ParseSpacing(StringParameter(request.Parameters, GeometryParameters.Spacing)),
                Affine = GeometryParameters.ParseAffine(StringParameter(request.Parameters, GeometryParameters.Affine)),
                RequestedOutputs = [.. request.Outputs.Select(o => new RequestedOutput(o.Name, StringParameter(o.Parameters, InferCall.DatatypeParameter)))],
            };
            call.Check(model);
            ReadOnlyMemory<byte> raw = RawInput(request, input, call);
            InferenceResult result = await InferenceRunner.PredictAsync(state, model, call, (buffer, _) =>
            {
                if (raw.IsEmpty)
                {
                    Span<float> target = buffer.Span;
                    for (int i = 0; i < target.Length; i++)
                    {
                        target[i] = input.Contents.Fp32Contents[i];
                    }
                }
                else
                {
                    raw.Span.CopyTo(MemoryMarshal.AsBytes(buffer.Span));
                }

                return Task.CompletedTask;
            }, trace, token).ConfigureAwait(false);

            try
            {
                var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = ServedModel.Version, Id = request.Id };
                await trace.TimeAsync("encode", () =>
                {
                    foreach (OutputTensor output in result.Outputs(call))
                    {
                        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = output.Name, Datatype = output.Datatype, Shape = { output.Shape } });

                        // The engine's buffers themselves, not a copy: the result (and its admission) is released once
                        // the response has been written, after this method returns.
                        response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(output.Bytes));
                    }

                    return Task.CompletedTask;
                }).ConfigureAwait(false);
                context.GetHttpContext().Response.RegisterForDispose(result);
                return response;
            }
            catch
            {
                result.Dispose();
                throw;
            }
        });

    /// <summary>The input's bytes from <c>raw_input_contents</c>, checked against its declared shape; empty when it came as <c>fp32_contents</c>.</summary>
    private static ReadOnlyMemory<byte> RawInput(ModelInferRequest request, ModelInferRequest.Types.InferInputTensor input, InferCall call)
    {
        if (request.RawInputContents.Count == 0)
        {
            long values = input.Contents?.Fp32Contents.Count ?? 0;
            return values * 4 == call.InputBytes
                ? ReadOnlyMemory<byte>.Empty
                : throw RequestFailure.BadRequest($"input '{call.InputName}' of shape [{string.Join(", ", call.Shape)}] needs {call.InputBytes / 4} FP32 values, but the request holds {values}");
        }

        if (request.RawInputContents.Count != 1)
        {
            throw RequestFailure.BadRequest($"raw_input_contents must hold one entry per input (1), it holds {request.RawInputContents.Count}");
        }

        ByteString raw = request.RawInputContents[0];
        return raw.Length == call.InputBytes
            ? raw.Memory
            : throw RequestFailure.BadRequest($"input '{call.InputName}' of shape [{string.Join(", ", call.Shape)}] FP32 needs {call.InputBytes} bytes, but raw_input_contents holds {raw.Length}");
    }

    private static string? StringParameter(MapField<string, InferParameter> parameters, string name) =>
        parameters.TryGetValue(name, out InferParameter? parameter)
            ? parameter.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
                ? parameter.StringParam
                : throw RequestFailure.BadRequest($"the parameter '{name}' must be a string_param")
            : null;

    /// <summary>The gRPC twin of <see cref="HttpRequestScope"/>: deadline, cancellation by the client, status codes, metrics and log.</summary>
    private async Task<T> Run<T>(ServerCallContext context, string endpoint, string model, Func<RequestTrace, CancellationToken, ServerCallContext, Task<T>> work)
    {
        var trace = new RequestTrace("grpc_" + endpoint) { Model = model };
        using var deadline = new CancellationTokenSource(state.Options.RequestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.CancellationToken);
        try
        {
            return await work(trace, linked.Token, context).ConfigureAwait(false);
        }
        catch (Exception error) when (context.CancellationToken.IsCancellationRequested && !deadline.IsCancellationRequested)
        {
            trace.Outcome = "cancelled";
            trace.Status = 499;
            trace.Error = error.Message;
            throw new RpcException(new Status(StatusCode.Cancelled, "the client cancelled the call"));
        }
        catch (Exception error)
        {
            RequestFailure failure = FailureMapping.Map(error, deadline.IsCancellationRequested, state.Options.RequestTimeout, trace.Id);
            trace.Outcome = failure.Outcome;
            trace.Status = failure.Status;
            trace.Error = failure.Message;
            if (failure.Status >= 500 && error is not RequestFailure)
            {
                state.Log.Event("error", $"request {trace.Id} failed", error);
            }

            var metadata = new Metadata();
            if (failure.RetryAfter is { } retry)
            {
                metadata.Add("retry-after", ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            throw new RpcException(new Status(StatusOf(failure.Status), failure.Message), metadata);
        }
        finally
        {
            state.Finish(trace);
        }
    }

    private static StatusCode StatusOf(int httpStatus) => httpStatus switch
    {
        400 or 411 => StatusCode.InvalidArgument,
        404 => StatusCode.NotFound,
        401 => StatusCode.Unauthenticated,
        413 or 429 => StatusCode.ResourceExhausted,
        503 => StatusCode.Unavailable,
        504 => StatusCode.DeadlineExceeded,
        _ => StatusCode.Internal,
    };
}
