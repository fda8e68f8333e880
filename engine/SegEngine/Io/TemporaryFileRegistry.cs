namespace SegEngine.Io;

/// <summary>
/// The temporary files a process is writing right now (<see cref="AtomicFile"/> registers each while it is open), so
/// that a termination request can delete them before the process ends (<see cref="TerminationCleanup"/>).
/// </summary>
/// <remarks>
/// Once <see cref="RemoveAllAndClose"/> has run, registering fails: a writer that starts while the process is going
/// down must not leave a file behind that nobody removes any more.
/// </remarks>
internal sealed class TemporaryFileRegistry
{
    private readonly HashSet<string> paths = new(StringComparer.Ordinal);
    private bool closed;

    /// <summary>The registry of this process, the one <see cref="AtomicFile"/> uses.</summary>
    public static TemporaryFileRegistry Shared { get; } = new();

    /// <summary>Records <paramref name="path"/> as in flight; a <see cref="SegErrorCode.Cancelled"/> error once the process is terminating.</summary>
    public void Register(string path)
    {
        lock (paths)
        {
            if (closed)
            {
                throw new SegEngineException(SegErrorCode.Cancelled, $"{path}: not written, the process is terminating");
            }

            paths.Add(path);
        }
    }

    /// <summary>Forgets <paramref name="path"/> (renamed into place or deleted by its writer).</summary>
    public void Unregister(string path)
    {
        lock (paths)
        {
            paths.Remove(path);
        }
    }

    /// <summary>The paths in flight now.</summary>
    public IReadOnlyCollection<string> InFlight()
    {
        lock (paths)
        {
            return [.. paths];
        }
    }

    /// <summary>Deletes every registered temporary and refuses new ones.</summary>
    /// <returns>How many were deleted.</returns>
    public int RemoveAllAndClose()
    {
        string[] inFlight;
        lock (paths)
        {
            closed = true;
            inFlight = [.. paths];
            paths.Clear();
        }

        int removed = 0;
        foreach (string path in inFlight)
        {
            try
            {
                File.Delete(path);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort while the process goes down; RemoveStaleTemporaries of a later run catches what stays.
            }
        }

        return removed;
    }
}
