using System.Diagnostics;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>A FIFO, a directory or a device named like a case file is refused by its type before anything opens it.</summary>
/// <remarks>
/// A reader that opened a FIFO or <c>/dev/zero</c> would block or read forever, so the limit only tells "refused" from
/// "stuck"; it is generous because a loaded two-core machine running the suite in parallel can take a second to JIT a reader.
/// </remarks>
public sealed class SpecialFileTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Readers() => new() { "NibabelIO", "SimpleITKIO" };

    [Theory]
    [MemberData(nameof(Readers))]
    public void FifoNamedLikeACaseFileIsRefusedWithoutBlocking(string reader)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string fifo = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii.gz");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        AssertRefused(fifo, "FIFO", () => ImageReaderWriters.Create(reader).Read([fifo]).Dispose());
        AssertRefused(fifo, "FIFO", () => NiftiFile.ReadHeader(fifo));
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void DirectoryNamedLikeACaseFileIsRefused(string reader)
    {
        string folder = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii.gz");
        Directory.CreateDirectory(folder);
        AssertRefused(folder, "directory", () => ImageReaderWriters.Create(reader).Read([folder]).Dispose());
    }

    [Fact]
    public void CharacterDeviceIsRefused()
    {
        if (OperatingSystem.IsLinux() && File.Exists("/dev/zero"))
        {
            AssertRefused("/dev/zero", "character device", () => ImageReaderWriters.Create("NibabelIO").Read(["/dev/zero"]).Dispose());
            AssertRefused("/dev/zero", "character device", () => Npy.Read("/dev/zero"));
        }
    }

    [Fact]
    public void SymbolicLinkToARegularFileIsRead()
    {
        string link = Path.Combine(TestPaths.NewTempFolder(), "x_0000.nii");
        File.CreateSymbolicLink(link, NiftiFixtures.Input("dtype_int16"));
        using ImageVolume image = ImageReaderWriters.Create("NibabelIO").Read([link]);
        Assert.Equal(new Shape3(3, 4, 5), image.Data.Shape);
    }

    private static void AssertRefused(string path, string kind, Action read)
    {
        Task<Exception?> attempt = Task.Run<Exception?>(() => Record.Exception(read));
        if (!attempt.Wait(Limit))
        {
            if (kind == "FIFO")
            {
                // Unblock the reader stuck in open() so the test run can go on, then fail.
                using (File.OpenWrite(path))
                {
                }
            }

            Assert.Fail($"reading {path} did not finish within {Limit}");
        }

        var error = Assert.IsType<SegEngineException>(attempt.Result);
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains(path, error.Message);
        Assert.Contains($"not a regular file ({kind})", error.Message);
    }
}
