using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>
/// SIGTERM and SIGINT remove the temporaries in flight. The handler's work is run here on a registry of the test's own
/// (the shared one belongs to every test running in parallel).
/// </summary>
public class TerminationCleanupTests
{
    [Fact]
    public void TerminationCancelsFirstThenRemovesEveryRegisteredTemporaryAndRefusesNewOnes()
    {
        string folder = TestPaths.NewTempFolder();
        string[] temporaries = [Path.Combine(folder, ".a.nii.gz.tmp"), Path.Combine(folder, ".b.onnx.tmp")];
        var registry = new TemporaryFileRegistry();
        foreach (string temporary in temporaries)
        {
            File.WriteAllText(temporary, "in flight");
            registry.Register(temporary);
        }

        string kept = Path.Combine(folder, "done.nii.gz");
        File.WriteAllText(kept, "committed");
        using var cancellation = new CancellationTokenSource();
        bool temporariesPresentWhenCancelled = false;
        cancellation.Token.Register(() => temporariesPresentWhenCancelled = temporaries.All(File.Exists));

        int removed = TerminationCleanup.Terminate(registry, cancellation);

        Assert.Equal(2, removed);
        Assert.True(cancellation.IsCancellationRequested);
        Assert.True(temporariesPresentWhenCancelled);
        Assert.Equal([kept], Directory.GetFiles(folder));
        Assert.Empty(registry.InFlight());
        var refused = Assert.Throws<SegEngineException>(() => registry.Register(Path.Combine(folder, ".c.tmp")));
        Assert.Equal(SegErrorCode.Cancelled, refused.Code);
    }

    [Fact]
    public void AFailingCancellationCallbackOrNoCancellationStillRemovesTheTemporaries()
    {
        string folder = TestPaths.NewTempFolder();
        string temporary = Path.Combine(folder, ".x.tmp");
        File.WriteAllText(temporary, "in flight");
        var registry = new TemporaryFileRegistry();
        registry.Register(temporary);
        registry.Register(Path.Combine(folder, ".already-gone.tmp"));
        using var cancellation = new CancellationTokenSource();
        cancellation.Token.Register(() => throw new InvalidOperationException("callback failed"));

        Assert.Equal(2, TerminationCleanup.Terminate(registry, cancellation));
        Assert.Empty(Directory.GetFiles(folder));

        Assert.Equal(0, TerminationCleanup.Terminate(new TemporaryFileRegistry(), cancellation: null));
    }

    [Fact]
    public void InstallingAndRemovingTheHandlersLeavesTheProcessAsItWas()
    {
        using var cancellation = new CancellationTokenSource();
        using (TerminationCleanup.Install(cancellation))
        {
            Assert.False(cancellation.IsCancellationRequested);
        }

        using IDisposable again = TerminationCleanup.Install();
        Assert.False(cancellation.IsCancellationRequested);
    }
}
