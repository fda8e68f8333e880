namespace SegEngine.Server.Admission;

/// <summary>A request the <see cref="MemoryGate"/> turned away: the queue was full (try again later), or it can never fit.</summary>
internal sealed class GateRefusal(bool queueFull, string message) : Exception(message)
{
    public bool QueueFull { get; } = queueFull;
}
