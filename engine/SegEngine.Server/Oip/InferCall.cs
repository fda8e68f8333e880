using System.Globalization;
using SegEngine.Server.Hosting;

namespace SegEngine.Server.Oip;

/// <summary>
/// One inference request as both transports (HTTP/REST and gRPC) describe it, before any voxel is read: the input
/// tensor's declaration, the geometry parameters and which outputs are wanted in which form.
/// </summary>
internal sealed class InferCall
{
    /// <summary>The one input every model takes: the case's channels as FP32 [C, Z, Y, X].</summary>
    public const string ImageInput = "image";

    /// <summary>The label map, [Z, Y, X] in the image's array order.</summary>
    public const string LabelsOutput = "labels";

    /// <summary>nnU-Net's probabilities, [K, Z, Y, X] in the image's array order; only when named in the request's outputs.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>The output parameter that picks the probabilities' datatype.</summary>
    public const string DatatypeParameter = "datatype";

    public const string Fp32 = "FP32";

    public const string Fp16 = "FP16";

    public string? Id { get; init; }

    public required string InputName { get; init; }

    public required string Datatype { get; init; }

    public required long[] Shape { get; init; }

    /// <summary>Voxel spacing (z, y, x) in the input's array order, from the request parameter <c>spacing</c>.</summary>
    public required double[] Spacing { get; init; }

    /// <summary>The NIfTI-style 4x4 affine (row-major) from the request parameter <c>affine</c>, or null.</summary>
    public double[]? Affine { get; init; }

    /// <summary>Outputs the client named, in its order; empty means <c>labels</c> alone.</summary>
    public IReadOnlyList<RequestedOutput> RequestedOutputs { get; init; } = [];

    /// <summary>The probabilities' datatype when they were asked for (FP32 unless the output's <c>datatype</c> parameter says FP16), else null.</summary>
    public string? ProbabilitiesDatatype => RequestedOutputs.FirstOrDefault(o => o.Name == ProbabilitiesOutput) is { } output ? output.Datatype ?? Fp32 : null;

    /// <summary>The labels' channels and shape by the declaration, checked against the model; nothing is allocated yet.</summary>
    public (int Channels, Shape3 Shape) Check(ServedModel model)
    {
        if (InputName != ImageInput)
        {
            throw RequestFailure.BadRequest($"input '{RequestFailure.Quote(InputName)}' is unknown: the model takes one input, '{ImageInput}' (FP32 [C, Z, Y, X])");
        }

        if (Datatype != "FP32")
        {
            throw RequestFailure.BadRequest($"input '{ImageInput}' has datatype {RequestFailure.Quote(Datatype)}; it must be FP32");
        }

        foreach (RequestedOutput output in RequestedOutputs)
        {
            CheckOutput(output, model);
        }

        if (RequestedOutputs.DistinctBy(o => o.Name).Count() != RequestedOutputs.Count)
        {
            throw RequestFailure.BadRequest("the request names an output twice");
        }

        if (Shape.Length != 4 || Shape.Any(d => d < 1 || d > int.MaxValue))
        {
            throw RequestFailure.BadRequest($"input '{ImageInput}' has shape [{string.Join(", ", Shape)}]; it must be [C, Z, Y, X] with every axis at least 1");
        }

        if (Shape[0] != model.Channels)
        {
            throw RequestFailure.BadRequest(
                $"input '{ImageInput}' has {Shape[0]} channel(s); model '{model.Name}' takes {model.Channels} ({string.Join(", ", model.Model.ChannelNames)})");
        }

        // float64: the product of four int axes overflows a long, and the answer only has to say "too many".
        double elements = (double)Shape[0] * Shape[1] * Shape[2] * Shape[3];
        if (elements > Array.MaxLength)
        {
            throw new RequestFailure(413, string.Create(
                CultureInfo.InvariantCulture, $"input '{ImageInput}' declares {elements:E2} values; one volume holds at most {Array.MaxLength}"));
        }

        return ((int)Shape[0], new Shape3((int)Shape[1], (int)Shape[2], (int)Shape[3]));
    }

    private static void CheckOutput(RequestedOutput output, ServedModel model)
    {
        string[] datatypes = output.Name switch
        {
            LabelsOutput => [model.LabelDatatype],
            ProbabilitiesOutput => [Fp32, Fp16],
            _ => throw RequestFailure.BadRequest(
                $"output '{RequestFailure.Quote(output.Name)}' is unknown: this server answers '{LabelsOutput}' and '{ProbabilitiesOutput}'"),
        };
        if (output.Datatype is { } datatype && !datatypes.Contains(datatype))
        {
            throw RequestFailure.BadRequest(
                $"output '{output.Name}' cannot have {DatatypeParameter} '{RequestFailure.Quote(datatype)}': it is {string.Join(" or ", datatypes)}");
        }
    }

    /// <summary>Bytes of the input's FP32 data by its declared shape (after <see cref="Check"/>).</summary>
    public long InputBytes => Shape.Aggregate(4L, (product, axis) => product * axis);
}
