using SegEngine.Inference;
using SegEngine.Pipeline;
using SegEngine.Server.Observability;
using SegEngine.Server.Oip;

namespace SegEngine.Server.Hosting;

/// <summary>
/// One tensor inference, whatever the transport: plan from the declared shape (with the probabilities when asked), wait
/// for admission, only then decode the voxels (the caller's <c>fill</c>) into the buffer the engine takes over, and
/// predict on a worker thread.
/// </summary>
internal static class InferenceRunner
{
    /// <summary>Returns the result, which holds the admission until the caller disposes it after writing the answer.</summary>
    public static async Task<InferenceResult> PredictAsync(
        ServingState state, ServedModel model, InferCall call, Func<VolumeBuffer<float>, CancellationToken, Task> fill, RequestTrace trace, CancellationToken cancellationToken)
    {
        (int channels, Shape3 shape) = call.Check(model);
        bool withProbabilities = call.ProbabilitiesDatatype is not null;
        MemoryPlan plan = model.Model.PlanMemory(shape, call.Spacing, withProbabilities ? ProbabilityOutput.Memory : ProbabilityOutput.None);
        IDisposable lease = await state.Gate.EnterAsync(state.Budget.Needed(plan), cancellationToken).ConfigureAwait(false);
        try
        {
            VolumeBuffer<float> buffer = VolumeBuffer<float>.Allocate(channels, shape);
            try
            {
                await trace.TimeAsync("decode", () => fill(buffer, cancellationToken)).ConfigureAwait(false);
            }
            catch
            {
                buffer.Dispose();
                throw;
            }

            var context = new CaseContext(progress: null, cancellationToken);

            // Off the request thread: a prediction is seconds of CPU, and the network stage waits for the model's turn.
            InferenceResult result = await PredictionThread.RunAsync(
                () => withProbabilities
                    ? WithProbabilities(lease, model.Model.PredictBufferWithProbabilities(buffer, call.Spacing, call.Affine, context))
                    : new InferenceResult(lease, model.Model.PredictBuffer(buffer, call.Spacing, call.Affine, context), probabilities: null)).ConfigureAwait(false);
            trace.AddEngineTimings(context.Timings);
            return result;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private static InferenceResult WithProbabilities(IDisposable lease, PredictionWithProbabilities prediction) =>
        new(lease, prediction.Labels, prediction.Probabilities);
}
