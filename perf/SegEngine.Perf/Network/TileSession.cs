using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Inference;
using SegEngine.Model;

namespace SegEngine.Perf.Network;

/// <summary>
/// An ONNX Runtime session opened exactly as the engine opens it on the CPU (<see cref="OrtSessionOptions"/>), with one
/// random tile (batch 1) and its output bound once, so that a timed <see cref="Run"/> is the forward and nothing else.
/// </summary>
internal sealed class TileSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly OrtValue[] inputs;
    private readonly OrtValue[] outputs;

    private TileSession(InferenceSession session, OnnxSignature signature, double creationSeconds, int batch)
    {
        this.session = session;
        CreationSeconds = creationSeconds;
        inputNames = [signature.Input.Name];
        outputNames = [signature.Output.Name];
        long[] patch = [.. signature.PatchSize.Select(edge => (long)edge)];
        long[] inputShape = [batch, signature.InputChannels, .. patch];
        long[] outputShape = [batch, signature.HeadCount, .. patch];
        var random = new Random(1);
        float[] tile = new float[inputShape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < tile.Length; i++)
        {
            tile[i] = (float)((random.NextDouble() * 2) - 1);
        }

        inputs = [OrtValue.CreateTensorValueFromMemory(tile, inputShape)];
        outputs = [OrtValue.CreateTensorValueFromMemory(new float[outputShape.Aggregate(1L, (a, b) => a * b)], outputShape)];
    }

    /// <summary>Wall time of <c>new InferenceSession</c> alone (graph optimisation and weight packing included).</summary>
    public double CreationSeconds { get; }

    /// <summary>
    /// Opens a session; <paramref name="profilePrefix"/>, when given, turns ORT's profiler on with that file prefix;
    /// <paramref name="configure"/> changes the engine's settings for a trial; <paramref name="batch"/> tiles per run.
    /// </summary>
    public static TileSession Open(BenchmarkedModel model, string? profilePrefix = null, Action<SessionOptions>? configure = null, int batch = 1)
    {
        using SessionOptions options = OrtSessionOptions.Create(new InferenceOptions { Device = InferenceDevice.Cpu }, out _);
        configure?.Invoke(options);
        if (profilePrefix is not null)
        {
            // The prefix is read when profiling is switched on, so it is set first.
            options.ProfileOutputPathPrefix = profilePrefix;
            options.EnableProfiling = true;
        }

        long start = Stopwatch.GetTimestamp();
        var session = new InferenceSession(model.OnnxPath, options);
        return new TileSession(session, model.Signature, Stopwatch.GetElapsedTime(start).TotalSeconds, batch);
    }

    /// <summary>Starts the engine's prefault of this session's arena (<see cref="ArenaPrefault"/>).</summary>
    public ArenaPrefault StartPrefault(long bytes) => ArenaPrefault.Start(session, OrtMemoryInfo.DefaultInstance, bytes);

    /// <summary>One forward of the tile; returns its wall time in seconds.</summary>
    public double Run()
    {
        long start = Stopwatch.GetTimestamp();
        session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Stops the profiler and returns the trace file it wrote.</summary>
    public string EndProfiling() => Path.GetFullPath(session.EndProfiling());

    public void Dispose()
    {
        foreach (OrtValue value in inputs.Concat(outputs))
        {
            value.Dispose();
        }

        runOptions.Dispose();
        session.Dispose();
    }
}
