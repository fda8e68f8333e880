using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Inference;
using SegEngine.Model;

namespace SegEngine.Tests.Inference;

/// <summary>The CPU arena's prefault: the first forward finds its pages resident, and computes what it computed without it.</summary>
public class ArenaPrefaultTests
{
    [Fact]
    public void TheFirstForwardAfterThePrefaultFaultsFewPagesAndGivesTheSameLogits()
    {
        OnnxSignature onnx = ModelFolder.Load(TestPaths.SampleModel("3d_fullres")).Folds[0].Onnx!;
        long[] tileShape = [1, onnx.InputChannels, .. onnx.PatchSize.Select(p => (long)p)];
        long estimate = ActivationMemoryEstimate.BytesPerTile(OnnxGraphNodes.Read(onnx.Path), tileShape)!.Value;
        float[] tile = new float[tileShape.Aggregate(1L, (a, b) => a * b)];
        var random = new Random(3);
        for (int i = 0; i < tile.Length; i++)
        {
            tile[i] = (float)((random.NextDouble() * 2) - 1);
        }

        // One intra-op thread: the forward runs on this thread alone, so this thread's faults are the forward's.
        var options = new InferenceOptions { Device = InferenceDevice.Cpu, Threads = 1 };
        using SessionOptions sessionOptions = OrtSessionOptions.Create(options, out _);
        using var cold = new InferenceSession(onnx.Path, sessionOptions);
        using var warm = new InferenceSession(onnx.Path, sessionOptions);
        long prefaulted = ArenaPrefault.Start(warm, OrtMemoryInfo.DefaultInstance, estimate).Wait();
        (float[] warmLogits, long warmFaults) = FirstForward(warm, onnx, tile);
        (float[] coldLogits, _) = FirstForward(cold, onnx, tile);

        Assert.Equal(estimate, prefaulted);
        long estimatePages = estimate / Environment.SystemPageSize;
        Assert.True(warmFaults < estimatePages / 8, $"{warmFaults} faults in the first forward after a prefault of {estimatePages} pages");
        Assert.Equal(coldLogits, warmLogits);
    }

    private static (float[] Logits, long Faults) FirstForward(InferenceSession session, OnnxSignature onnx, float[] tile)
    {
        long[] inputShape = [1, onnx.InputChannels, .. onnx.PatchSize.Select(p => (long)p)];
        long[] outputShape = [1, onnx.HeadCount, .. onnx.PatchSize.Select(p => (long)p)];
        float[] logits = new float[outputShape.Aggregate(1L, (a, b) => a * b)];
        logits.AsSpan().Clear();
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(tile, inputShape);
        using OrtValue output = OrtValue.CreateTensorValueFromMemory(logits, outputShape);
        using var runOptions = new RunOptions();
        long before = ThreadMinorFaults();
        session.Run(runOptions, [onnx.Input.Name], [input], [onnx.Output.Name], [output]);
        return (logits, ThreadMinorFaults() - before);
    }

    /// <summary>This thread's minor page faults (<c>/proc/thread-self/stat</c>, field 10).</summary>
    private static long ThreadMinorFaults()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[7], CultureInfo.InvariantCulture);
    }
}
