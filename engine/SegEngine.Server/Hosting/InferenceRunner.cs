using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Pipeline;
using SegEngine.Server.Observability;
using SegEngine.Server.Oip;

namespace SegEngine.Server.Hosting;

/// <summary>
/// One tensor inference, whatever the transport: plan from the declared shape, wait for admission, only then decode the
/// voxels (the caller's <c>fill</c>) into the buffer the engine takes over, and predict on a worker thread.
/// </summary>
internal static class InferenceRunner
{
    /// <summary>Returns the label map, which the caller disposes.</summary>
    public static async Task<LabelMap> PredictAsync(
        ServingState state, ServedModel model, InferCall call, Func<VolumeBuffer<float>, CancellationToken, Task> fill, RequestTrace trace, CancellationToken cancellationToken)
    {
        (int channels, Shape3 shape) = call.Check(model);
        MemoryPlan plan = model.Model.PlanMemory(shape, call.Spacing);
        using IDisposable lease = await state.Gate.EnterAsync(state.Budget.Needed(plan), cancellationToken).ConfigureAwait(false);
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
        LabelMap labels = await Task.Run(() => model.Model.PredictBuffer(buffer, call.Spacing, call.Affine, context), CancellationToken.None).ConfigureAwait(false);
        trace.AddEngineTimings(context.Timings);
        return labels;
    }
}
