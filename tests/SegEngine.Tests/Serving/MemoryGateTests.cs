using SegEngine.Server.Admission;

namespace SegEngine.Tests.Serving;

/// <summary>The admission gate alone: bytes and slots, first come first served, a bounded queue, cancellation.</summary>
public class MemoryGateTests
{
    [Fact]
    public async Task RequestsWaitForMemoryInOrderAndAFullQueueIsRefused()
    {
        var gate = new MemoryGate(budgetBytes: 100, maxConcurrent: 10, maxQueue: 2);
        IDisposable first = await gate.EnterAsync(60, CancellationToken.None);
        ValueTask<IDisposable> second = gate.EnterAsync(60, CancellationToken.None);
        ValueTask<IDisposable> third = gate.EnterAsync(10, CancellationToken.None);

        GateRefusal full = Assert.Throws<GateRefusal>(() => gate.EnterAsync(1, CancellationToken.None));
        GateRefusal never = Assert.Throws<GateRefusal>(() => gate.EnterAsync(101, CancellationToken.None));
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted, "a small request does not overtake the queue's head");
        first.Dispose();
        using IDisposable secondLease = await second;
        using IDisposable thirdLease = await third;

        Assert.True(full.QueueFull);
        Assert.False(never.QueueFull);
        Assert.Contains("needs 0.0 MiB", never.Message, StringComparison.Ordinal);
        Assert.Equal(0, gate.Queued);
        Assert.Equal(2, gate.Running);
    }

    [Fact]
    public async Task ACancelledWaiterLeavesTheQueueAndSlotsBoundConcurrency()
    {
        var gate = new MemoryGate(budgetBytes: 0, maxConcurrent: 1, maxQueue: 1);
        IDisposable first = await gate.EnterAsync(1, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        ValueTask<IDisposable> waiting = gate.EnterAsync(1, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await waiting);
        ValueTask<IDisposable> next = gate.EnterAsync(1, CancellationToken.None);
        first.Dispose();

        using IDisposable lease = await next;
        Assert.Equal(1, gate.Running);
    }
}
