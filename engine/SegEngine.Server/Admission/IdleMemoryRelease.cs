namespace SegEngine.Server.Admission;

/// <summary>
/// Gives memory back to the operating system once the server has been idle (nothing admitted or waiting) for
/// <see cref="Quiet"/>: a compacting collection that decommits what the managed heap no longer uses, then
/// <see cref="NativeHeaps.Trim"/> for the pages freed in the native heaps. Without it a burst of concurrent requests
/// leaves the process as large as the burst made it. Under steady load the server is never idle and nothing runs.
/// </summary>
internal sealed class IdleMemoryRelease(MemoryGate gate)
{
    /// <summary>How long the server must have been idle: back-to-back requests of one client never wait for a release.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    private long requestsEnded;
    private int scheduled;
    private long releases;

    /// <summary>Releases done since the server started.</summary>
    public long Releases => Interlocked.Read(ref releases);

    /// <summary>Called as each request ends: schedules a release for when the server has been idle for <see cref="Quiet"/>.</summary>
    public void RequestEnded()
    {
        Interlocked.Increment(ref requestsEnded);
        if (Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            _ = ReleaseWhenIdleAsync();
        }
    }

    private async Task ReleaseWhenIdleAsync()
    {
        long seen = 0;
        try
        {
            do
            {
                seen = Interlocked.Read(ref requestsEnded);
                await Task.Delay(Quiet).ConfigureAwait(false);
            }
            while (Interlocked.Read(ref requestsEnded) != seen || gate.Running > 0 || gate.Queued > 0);

            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            NativeHeaps.Trim();

            Interlocked.Increment(ref releases);
        }
        finally
        {
            Volatile.Write(ref scheduled, 0);
        }

        // A request that ended while this one ran found a release scheduled and scheduled none of its own.
        if (Interlocked.Read(ref requestsEnded) != seen && Interlocked.Exchange(ref scheduled, 1) == 0)
        {
            _ = ReleaseWhenIdleAsync();
        }
    }
}
