using System.Diagnostics;
using SegEngine.Conversion;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Conversion;

/// <summary>
/// Converting a checkpoint writes <c>model.onnx</c> through <see cref="AtomicFile"/>: a temporary that says which
/// process owns it, removed on any failure, and removed by a later conversion when a killed one left it.
/// </summary>
public class ConversionLeftoverTests
{
    [Fact]
    public void ALaterConversionRemovesWhatAKilledOneLeftAndLeavesNothingOfItsOwn()
    {
        string folder = ModelFixtures.CopySample("2d");
        string fold = Path.Combine(folder, "fold_0");
        File.Delete(Path.Combine(fold, "model.onnx"));
        string host = Environment.MachineName;
        string killed = Path.Combine(fold, AtomicFile.TemporaryName("model.onnx", host, FinishedProcessId(), Guid.NewGuid().ToString("N")));
        string running = Path.Combine(fold, AtomicFile.TemporaryName("model.onnx", host, Environment.ProcessId, Guid.NewGuid().ToString("N")));
        File.WriteAllText(killed, "half an ONNX");
        File.WriteAllText(running, "another conversion of this process, still writing");
        ModelFolder model = ModelFolder.Load(folder);

        string onnx = ModelConversion.EnsureOnnx(model, model.Folds[0], cacheDirectory: null, warning: null);

        Assert.Equal(Path.Combine(fold, "model.onnx"), onnx);
        Assert.Equal(
            new[] { "checkpoint_final.pth", "model.onnx", Path.GetFileName(running) }.Order(StringComparer.Ordinal),
            Directory.GetFiles(fold).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AFoldAlreadyConvertedByAnotherRunLosesTheTemporaryOfAKilledOne()
    {
        string folder = ModelFixtures.CopySample("2d");
        string fold = Path.Combine(folder, "fold_0");
        string killed = Path.Combine(fold, AtomicFile.TemporaryName("model.onnx", Environment.MachineName, FinishedProcessId(), Guid.NewGuid().ToString("N")));
        File.WriteAllText(killed, "half an ONNX");
        ModelFolder model = ModelFolder.Load(folder);

        Assert.Equal(Path.Combine(fold, "model.onnx"), ModelConversion.EnsureOnnx(model, model.Folds[0], cacheDirectory: null, warning: null));
        Assert.False(File.Exists(killed));
    }

    [Fact]
    public void AFailingConversionWriteLeavesNoTemporary()
    {
        ModelFolder model = ModelFolder.Load(ModelFixtures.CopySample("2d"));
        UNetNetwork network = UNetNetwork.Build(model.Configuration.Architecture, 1, 3, model.Configuration.PatchSize);
        string folder = TestPaths.NewTempFolder();
        string target = Path.Combine(folder, "model.onnx");
        string? seenWhileWriting = null;

        var error = Assert.Throws<SegEngineException>(() => OnnxExport.Write(network, target, (_, _) =>
        {
            seenWhileWriting = Assert.Single(Directory.GetFiles(folder));
            throw new IOException("No space left on device");
        }));

        Assert.Equal(SegErrorCode.Io, error.Code);
        Assert.Equal(Environment.ProcessId, AtomicFile.OwnerProcess(Path.GetFileName(seenWhileWriting!), Environment.MachineName));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
    }

    private static int FinishedProcessId()
    {
        using Process process = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }
}
