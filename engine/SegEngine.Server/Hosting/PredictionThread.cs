namespace SegEngine.Server.Hosting;

/// <summary>
/// Runs a prediction on a thread of its own, which ends with it. A prediction blocks its thread for seconds (and waits
/// for the model's network stage); on thread-pool threads that makes the pool add threads, each of which keeps the
/// pooled arrays it last returned (the shared array pool caches one per size per thread), so the process stays larger
/// after a burst. The arrays cached by a thread that has ended are collected.
/// </summary>
internal static class PredictionThread
{
    public static Task<T> RunAsync<T>(Func<T> prediction) =>
        Task.Factory.StartNew(prediction, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
