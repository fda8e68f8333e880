namespace SegEngine.Native;

/// <summary>A call broke the C interface's contract (a NULL, a size, a handle); the status says which way.</summary>
internal sealed class NativeCallException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
