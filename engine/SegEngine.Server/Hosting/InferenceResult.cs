using SegEngine.Export;
using SegEngine.Server.Oip;

namespace SegEngine.Server.Hosting;

/// <summary>
/// A finished inference: its label map, the probabilities when asked, and the admission lease that counted their memory.
/// Disposing returns the buffers and then the lease, so the memory plan holds until the answer has been written.
/// </summary>
internal sealed class InferenceResult(IDisposable lease, LabelMap labels, VolumeBuffer<float>? probabilities) : IDisposable
{
    /// <summary>The outputs <paramref name="call"/> asked for, in the order it named them (labels alone when it named none).</summary>
    public IReadOnlyList<OutputTensor> Outputs(InferCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.RequestedOutputs.Count == 0)
        {
            return [OutputTensor.Labels(labels)];
        }

        return [.. call.RequestedOutputs.Select(output => output.Name == InferCall.ProbabilitiesOutput
            ? OutputTensor.Probabilities(probabilities!, call.ProbabilitiesDatatype!)
            : OutputTensor.Labels(labels))];
    }

    public void Dispose()
    {
        labels.Dispose();
        probabilities?.Dispose();
        lease.Dispose();
    }
}
