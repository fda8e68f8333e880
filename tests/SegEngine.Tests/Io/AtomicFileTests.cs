using System.Diagnostics;
using System.Text;
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
        string dead = Path.Combine(folder, $".case.nii.gz.{host}-{deadPid}-0123456789abcdef0123456789abcdef.tmp");
        string alive = Path.Combine(folder, $".case.nii.gz.{host}-{Environment.ProcessId}-456789abcdef0123456789abcdef0123.tmp");
        string otherHost = Path.Combine(folder, $".case.nii.gz.elsewhere-{deadPid}-89abcdef0123456789abcdef01234567.tmp");
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

    [Theory]
    [InlineData(230, "a")]
    [InlineData(255, "a")]
    [InlineData(127, "é")]
    [InlineData(85, "界")]
    [InlineData(63, "🧠")]
    public void LongNamesGetTemporaryNamesWithinTheFileNameLimit(int repeat, string unit)
    {
        string name = string.Concat(Enumerable.Repeat(unit, repeat));
        string host = new('h', 64);
        string random = Guid.NewGuid().ToString("N");

        string temporary = AtomicFile.TemporaryName(name, host, int.MaxValue, random);
        string sibling = AtomicFile.TemporaryName(name[..^unit.Length] + "b", host, int.MaxValue, random);

        Assert.InRange(Encoding.UTF8.GetByteCount(temporary), 1, AtomicFile.MaxFileNameBytes);
        Assert.NotEqual(temporary, sibling);
        Assert.StartsWith("." + name[..(unit.Length * 8)], temporary, StringComparison.Ordinal);
        Assert.EndsWith($".{host}-{int.MaxValue}-{random}.tmp", temporary, StringComparison.Ordinal);
        Assert.Equal(int.MaxValue, AtomicFile.OwnerProcess(temporary, host));
        Assert.Equal(-1, temporary.IndexOf('\uFFFD', StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(230)]
    [InlineData(250)]
    public void ALongValidCaseNameIsWrittenAndItsStaleTemporaryRemoved(int length)
    {
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, new string('c', length - ".nii.gz".Length) + ".nii.gz");

        AtomicFile.Write(path, stream => stream.Write([1, 2, 3]));
        string stale = Path.Combine(folder, AtomicFile.TemporaryName(Path.GetFileName(path), Environment.MachineName, FinishedProcessId(), Guid.NewGuid().ToString("N")));
        File.WriteAllText(stale, "left by a killed run");

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(1, AtomicFile.RemoveStaleTemporaries(folder));
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    [Theory]
    [InlineData(".notes.txt.tmp")]
    [InlineData(".case.nii.gz.{host}-{pid}-0123abcd.tmp")]
    [InlineData(".case.nii.gz.{host}-{pid}-0123456789ABCDEF0123456789ABCDEF.tmp")]
    [InlineData(".case.nii.gz.{host}-{pid}-0123456789abcdef0123456789abcdef-x.tmp")]
    [InlineData(".case.nii.gz.{host}-x{pid}-0123456789abcdef0123456789abcdef.tmp")]
    [InlineData(".{host}-{pid}-0123456789abcdef0123456789abcdef.tmp")]
    [InlineData("case.nii.gz.{host}-{pid}-0123456789abcdef0123456789abcdef.tmp")]
    public void FilesThatOnlyLookLikeTemporariesStay(string pattern)
    {
        string folder = TestPaths.NewTempFolder();
        string name = pattern.Replace("{host}", Environment.MachineName, StringComparison.Ordinal)
            .Replace("{pid}", FinishedProcessId().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, name), "not ours");

        Assert.Equal(0, AtomicFile.RemoveStaleTemporaries(folder));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void AFailingWriteEndsWithAClearErrorAndNoTemporary()
    {
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, "case.nii.gz");

        // What a full disk raises from Write or Flush; 100 KB are buffered or written by then.
        var error = Assert.Throws<SegEngineException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[100_000]);
            throw new IOException("No space left on device");
        }));
        Assert.Equal(SegErrorCode.Io, error.Code);
        Assert.Equal($"{path}: could not write the file: No space left on device", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(folder));

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[10]);
            throw new InvalidOperationException("a bug in the writer");
        }));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        Assert.DoesNotContain(TemporaryFileRegistry.Shared.InFlight(), p => p.StartsWith(folder, StringComparison.Ordinal));
    }

    [Fact]
    public void AFailingRenameRemovesTheTemporary()
    {
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, "taken");
        Directory.CreateDirectory(path);

        var error = Assert.Throws<SegEngineException>(() => AtomicFile.Write(path, stream => stream.Write([1, 2, 3])));

        Assert.Equal(SegErrorCode.Io, error.Code);
        Assert.Equal([path], Directory.GetFileSystemEntries(folder));
    }

    [Fact]
    public void AnOpenTemporaryIsRegisteredUntilCommitOrDispose()
    {
        string folder = TestPaths.NewTempFolder();
        string path = Path.Combine(folder, "out.bin");

        string temporary;
        using (AtomicFile output = AtomicFile.Create(path))
        {
            temporary = Assert.Single(Directory.GetFiles(folder));
            Assert.Contains(temporary, TemporaryFileRegistry.Shared.InFlight());
            output.Commit();
            Assert.DoesNotContain(temporary, TemporaryFileRegistry.Shared.InFlight());
        }

        using (AtomicFile abandoned = AtomicFile.Create(path))
        {
            temporary = Assert.Single(Directory.GetFiles(folder), f => f != path);
            Assert.Contains(temporary, TemporaryFileRegistry.Shared.InFlight());
        }

        Assert.DoesNotContain(temporary, TemporaryFileRegistry.Shared.InFlight());
        Assert.Equal([path], Directory.GetFiles(folder));
    }

    private static int FinishedProcessId()
    {
        using Process process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
