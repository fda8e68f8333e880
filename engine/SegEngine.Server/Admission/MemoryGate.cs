using System.Globalization;

namespace SegEngine.Server.Admission;

/// <summary>
/// Admits requests by their memory plan: one runs when its bytes fit beside those in flight (and a slot is free);
/// otherwise it waits, first come first served, in a queue of bounded length; a request that finds the queue full is
/// refused at once (429), and one that could never fit the budget is refused outright (413).
/// </summary>
internal sealed class MemoryGate(long budgetBytes, int maxConcurrent, int maxQueue)
{
    private readonly Lock gate = new();
    private readonly LinkedList<Waiter> queue = new();
    private long bytesInFlight;
    private int running;

    /// <summary>Requests waiting for memory or a slot.</summary>
    public int Queued
    {
        get
        {
            lock (gate)
            {
                return queue.Count;
            }
        }
    }

    /// <summary>Requests holding a lease.</summary>
    public int Running
    {
        get
        {
            lock (gate)
            {
                return running;
            }
        }
    }

    /// <summary>The budget in bytes; 0 is unlimited.</summary>
    public long BudgetBytes => budgetBytes;

    /// <summary>Waits until <paramref name="bytes"/> fit, then holds them until the lease is disposed.</summary>
    /// <exception cref="GateRefusal">The request can never fit, or the queue is full.</exception>
    public ValueTask<IDisposable> EnterAsync(long bytes, CancellationToken cancellationToken)
    {
        if (budgetBytes > 0 && bytes > budgetBytes)
        {
            throw new GateRefusal(false, string.Create(
                CultureInfo.InvariantCulture, $"by its header it needs {Mib(bytes)} but the server's memory budget is {Mib(budgetBytes)}"));
        }

        Waiter waiter;
        lock (gate)
        {
            if (queue.Count == 0 && Fits(bytes))
            {
                Take(bytes);
                return ValueTask.FromResult<IDisposable>(new Lease(this, bytes));
            }

            if (queue.Count >= maxQueue)
            {
                throw new GateRefusal(true, string.Create(
                    CultureInfo.InvariantCulture, $"the server is busy: {running} request(s) running and {queue.Count} waiting, the most it queues"));
            }

            waiter = new Waiter(bytes);
            waiter.Node = queue.AddLast(waiter);
        }

        return new ValueTask<IDisposable>(WaitAsync(waiter, cancellationToken));
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB");

    private async Task<IDisposable> WaitAsync(Waiter waiter, CancellationToken cancellationToken)
    {
        using CancellationTokenRegistration registration = cancellationToken.Register(() =>
        {
            lock (gate)
            {
                if (waiter.Node?.List is not null)
                {
                    queue.Remove(waiter.Node);
                    waiter.Completion.TrySetCanceled(cancellationToken);
                }
            }

            // The head may fit now that the one before it left.
            Release(0);
        });
        await waiter.Completion.Task.ConfigureAwait(false);
        return new Lease(this, waiter.Bytes);
    }

    private bool Fits(long bytes) => running < maxConcurrent && (budgetBytes == 0 || bytesInFlight + bytes <= budgetBytes);

    private void Take(long bytes)
    {
        bytesInFlight += bytes;
        running++;
    }

    /// <summary>Returns <paramref name="bytes"/> (and a slot when a lease ends), then admits waiters in order while the head fits.</summary>
    private void Release(long bytes, bool slot = false)
    {
        var admitted = new List<Waiter>();
        lock (gate)
        {
            bytesInFlight -= bytes;
            running -= slot ? 1 : 0;
            while (queue.First is { } head && Fits(head.Value.Bytes))
            {
                queue.RemoveFirst();
                Take(head.Value.Bytes);
                admitted.Add(head.Value);
            }
        }

        // Completed outside the lock: continuations may run inline.
        foreach (Waiter waiter in admitted)
        {
            if (!waiter.Completion.TrySetResult())
            {
                Release(waiter.Bytes, slot: true);
            }
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public LinkedListNode<Waiter>? Node { get; set; }

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(MemoryGate owner, long bytes) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                owner.Release(bytes, slot: true);
            }
        }
    }
}
