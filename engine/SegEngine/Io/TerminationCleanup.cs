using System.Runtime.InteropServices;

namespace SegEngine.Io;

/// <summary>
/// Removes the temporaries in flight when the process is asked to terminate (SIGTERM, SIGINT / Ctrl+C), which would
/// otherwise end it at once and leave them behind. The process still ends by the signal (exit status 143 or 130).
/// </summary>
/// <remarks>
/// A host installs it once at start: <c>using IDisposable termination = TerminationCleanup.Install(cancellation);</c>.
/// The handler first cancels <c>cancellation</c>, whose registered callbacks run there and then (e.g. to stop the
/// network runtime or note the interruption), then deletes every temporary of
/// <see cref="TemporaryFileRegistry.Shared"/> and refuses new ones. What a <c>kill -9</c> leaves is for
/// <see cref="AtomicFile.RemoveStaleTemporaries"/> of a later run.
/// </remarks>
internal static class TerminationCleanup
{
    private static readonly PosixSignal[] Signals = [PosixSignal.SIGTERM, PosixSignal.SIGINT];

    /// <summary>Handles SIGTERM and SIGINT until the returned registration is disposed.</summary>
    /// <param name="cancellation">Cancelled first on a termination request; null when nothing has to be told.</param>
    public static IDisposable Install(CancellationTokenSource? cancellation = null) =>
        new Registrations([.. Signals.Select(signal => PosixSignalRegistration.Create(signal, _ => Terminate(TemporaryFileRegistry.Shared, cancellation)))]);

    /// <summary>What the handler does: cancel, then delete and refuse temporaries. Returns how many were deleted.</summary>
    internal static int Terminate(TemporaryFileRegistry registry, CancellationTokenSource? cancellation)
    {
        ArgumentNullException.ThrowIfNull(registry);
        try
        {
            cancellation?.Cancel();
        }
        catch (AggregateException)
        {
            // A failing callback must not keep the temporaries on disk; the process is ending anyway.
        }
        catch (ObjectDisposedException)
        {
            // The host already finished with its cancellation source.
        }

        return registry.RemoveAllAndClose();
    }

    private sealed class Registrations(PosixSignalRegistration[] registrations) : IDisposable
    {
        public void Dispose()
        {
            foreach (PosixSignalRegistration registration in registrations)
            {
                registration.Dispose();
            }
        }
    }
}
