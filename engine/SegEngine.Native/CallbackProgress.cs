using SegEngine.Pipeline;

namespace SegEngine.Native;

/// <summary>
/// Hands the engine's progress to a <c>seg_progress_fn</c>; a non-zero return cancels through <paramref name="cancellation"/>,
/// and the callback is not called again after that.
/// </summary>
internal sealed unsafe class CallbackProgress(
    delegate* unmanaged<int, double, void*, int> callback, void* payload, CancellationTokenSource cancellation) : IProgress<SegProgress>
{
    public void Report(SegProgress value)
    {
        if (cancellation.IsCancellationRequested)
        {
            return;
        }

        if (callback((int)value.Stage, value.Fraction, payload) != 0)
        {
            cancellation.Cancel();
        }
    }
}
