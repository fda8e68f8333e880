using System.Diagnostics;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

public class AtomicFileTests
{
    [Fact]
    public void NothingAppearsUnderTheFinalNameUntilCommit()
    {
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, "out.bin");

        using (AtomicFile output = AtomicFile.Create(path))
        {
            output.Stream.Write([1, 2, 3]);
            Assert.False(File.Exists(path));
        }

        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(folder));
        AtomicFile.Write(path, stream => stream.Write([4, 5]));
        Assert.Equal([4, 5], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void OnlyTemporariesOfDeadProcessesOnThisHostAreRemoved()
    {
        string folder = TestPaths.NewTempFolder();
        int deadPid = FinishedProcessId();
        string host = Environment.MachineName;
        string dead = Path.Combine(folder, $".case.nii.gz.{host}-{deadPid}-0123abcd.tmp");
        string alive = Path.Combine(folder, $".case.nii.gz.{host}-{Environment.ProcessId}-4567ef01.tmp");
        string otherHost = Path.Combine(folder, $".case.nii.gz.elsewhere-{deadPid}-89abcdef.tmp");
        string output = Path.Combine(folder, "case.nii.gz");
        foreach (string path in new[] { dead, alive, otherHost, output })
        {
            File.WriteAllText(path, "x");
        }

        int removed = AtomicFile.RemoveStaleTemporaries(folder);

        Assert.Equal(1, removed);
        Assert.False(File.Exists(dead));
        Assert.True(File.Exists(alive));
        Assert.True(File.Exists(otherHost));
        Assert.True(File.Exists(output));
    }

    private static int FinishedProcessId()
    {
        using Process process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
