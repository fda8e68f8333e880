using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Model;

namespace SegEngine.Inference;

/// <summary>
/// One fold's network: an ONNX Runtime session created once and reused for every tile of every case.
/// Tiles pass through pinned buffers wrapped once per batch size as <see cref="OrtValue"/>s, so the hot path allocates nothing.
/// The folds of a multi-fold model on the CPU share those buffers and ORT's arena (<see cref="SharesFoldMemory"/>).
/// Not thread-safe: one sliding window at a time.
/// </summary>
/// <remarks>
/// Stands in for nnU-Net's network forward in <c>_internal_maybe_mirror_and_predict</c> (nnunet-parity.md §4.5, §4.6).
/// The ONNX was checked when its <see cref="OnnxSignature"/> was read; the session trusts those names and shapes.
/// </remarks>
internal sealed class OrtTileNetwork : IDisposable, ITileNetwork
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly int inputVoxels;
    private readonly Dictionary<int, (OrtValue[] Inputs, OrtValue[] Outputs)> valuesByBatch = [];
    private readonly FoldTileBuffers buffers;

    /// <summary>The <see cref="FoldTileBuffers.Generation"/> the values in <see cref="valuesByBatch"/> wrap.</summary>
    private int boundGeneration;
    private bool disposed;
    private long runTicks;

    /// <summary>The record key's settings while the first tile's working memory is still to be measured; null once known.</summary>
    private string? unmeasuredSettings;

    /// <summary>The CPU arena's prefault until the first run waits for it; null after (and on CUDA).</summary>
    private ArenaPrefault? prefault;

    /// <summary>The arena bytes the prefault left resident before the first run.</summary>
    private long prefaultedBytes;

    private OrtTileNetwork(InferenceSession session, string path, InferenceDevice device, OnnxSignature signature, FoldTileBuffers? sharedBuffers)
    {
        this.session = session;
        buffers = sharedBuffers ?? new FoldTileBuffers();
        SharesFoldMemory = sharedBuffers is not null;
        ModelPath = path;
        Device = device;
        InputChannels = signature.InputChannels;
        HeadCount = signature.HeadCount;
        PatchSize = signature.PatchSize;
        DynamicBatch = signature.DynamicBatch;
        inputNames = [signature.Input.Name];
        outputNames = [signature.Output.Name];
        inputVoxels = PatchSize.Aggregate(1, (a, b) => a * b);
    }

    public string ModelPath { get; }

    /// <summary>The device the session actually runs on (never <see cref="InferenceDevice.Auto"/>).</summary>
    public InferenceDevice Device { get; }

    public int InputChannels { get; }

    public int HeadCount { get; }

    public IReadOnlyList<int> PatchSize { get; }

    public bool DynamicBatch { get; }

    /// <summary>
    /// Whether this session runs in the process's <see cref="SharedCpuArena"/> and binds the model's
    /// <see cref="FoldTileBuffers"/>, with the model's other folds: the memory plan then counts one fold's working memory
    /// and buffers, not one per fold.
    /// </summary>
    public bool SharesFoldMemory { get; }

    /// <summary>
    /// ORT's working memory per tile plus the pages its run writes into the tile's output buffer, for <see cref="MemoryPlan"/>
    /// (which counts the output with the network buffers and takes it off this): on the CPU the graph's estimate
    /// (<see cref="ActivationMemoryEstimate"/>) until the first tile's run measures it (the growth of the process working
    /// set over that run with the buffers already touched, what ORT's arena keeps), then that measurement, also kept in a
    /// <see cref="NetworkMemoryRecord"/> for later loads; on CUDA, or for a graph the estimate cannot read, measured by a warm-up.
    /// </summary>
    public long WorkingBytesPerTile { get; private set; }

    /// <summary>
    /// Whether the ORT working memory of one tile is already resident: a warm-up or a tile ran. False on the CPU until
    /// the first tile, although the <see cref="ArenaPrefault"/> started by <see cref="Open"/> makes most of it resident
    /// in the background before: a resident-set reading taken meanwhile may count that part twice, never not at all.
    /// </summary>
    public bool WarmedUp { get; private set; }

    /// <summary>
    /// The bytes of ORT's working memory that the arena prefault has made resident while the session is not
    /// <see cref="WarmedUp"/> (0 once it is): a plan that counts that working memory in full takes them off a resident-set
    /// reading taken before the first tile.
    /// </summary>
    public long PrefaultedBytes => prefault?.TouchedBytes ?? (WarmedUp ? 0 : prefaultedBytes);

    /// <summary>Time spent inside <c>InferenceSession.Run</c> since opening (warm-up excluded).</summary>
    public TimeSpan RunTime => TimeSpan.FromTicks(runTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency);

    /// <summary>Number of <c>Run</c> calls since opening (warm-up excluded).</summary>
    public int Runs { get; private set; }

    /// <summary>
    /// Creates the session for a checked ONNX export. On the CPU the network does not run here: its working memory comes
    /// from a <see cref="NetworkMemoryRecord"/> or the graph's estimate; on CUDA a warm-up on a zero tile runs.
    /// <paramref name="foldBuffers"/>, given for every fold of a multi-fold model, makes the folds share their tile
    /// buffers and, on the CPU, ORT's arena (<see cref="SharedCpuArena"/>).
    /// </summary>
    public static OrtTileNetwork Open(OnnxSignature signature, InferenceOptions options, FoldTileBuffers? foldBuffers = null)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(options);
        string onnxPath = signature.Path;
        options.Validate();
        if (!File.Exists(onnxPath))
        {
            throw new SegEngineException(SegErrorCode.Io, $"{onnxPath}: the ONNX model does not exist");
        }

        using SessionOptions sessionOptions = OrtSessionOptions.Create(options, out InferenceDevice device);
        // In a shared arena only the session it was registered for fills it: the others' runs find their memory there already.
        bool fillsArena = true;
        FoldTileBuffers? sharedBuffers = null;
        if (device == InferenceDevice.Cpu && foldBuffers is not null && SharedCpuArena.Use(sessionOptions, out fillsArena))
        {
            sharedBuffers = foldBuffers;
        }

        long[] tileShape = [1, signature.InputChannels, .. signature.PatchSize.Select(p => (long)p)];
        string loadPath = device == InferenceDevice.Cpu && options.GraphRewrite ? Conversion.Onnx.Rewrite.GraphRewrite.Prepare(onnxPath, tileShape) : onnxPath;
        if (options.SaveOptimizedModel)
        {
            string optimized = Path.ChangeExtension(loadPath, $".optimized.{device.ToString().ToLowerInvariant()}.onnx");
            if (File.Exists(optimized) && File.GetLastWriteTimeUtc(optimized) >= File.GetLastWriteTimeUtc(loadPath))
            {
                loadPath = optimized;
            }
            else
            {
                sessionOptions.OptimizedModelFilePath = optimized;
            }
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(loadPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            ReleaseArena(sharedBuffers);
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{loadPath}: ONNX Runtime could not load the model: {e.Message}", e);
        }
        catch
        {
            ReleaseArena(sharedBuffers);
            throw;
        }

        try
        {
            var network = new OrtTileNetwork(session, loadPath, device, signature, sharedBuffers);
            if (device == InferenceDevice.Cuda)
            {
                // On CUDA the warm-up also picks cuDNN algorithms and finds a missing cuDNN: always run it.
                network.WarmUp(runs: 2);
                return network;
            }

            // The arena a session shares with other folds lays out its memory differently from one of its own.
            string settings = NetworkMemoryRecord.SettingsOf(sessionOptions) + (sharedBuffers is null ? "" : ";arena=shared");
            if (NetworkMemoryRecord.TryRead(loadPath, settings) is long recorded)
            {
                network.WorkingBytesPerTile = recorded;
                network.StartPrefault(fillsArena);
                return network;
            }

            // The estimate reads the exported graph: an optimised copy holds ORT's own operators.
            if (ActivationMemoryEstimate.BytesPerTile(OnnxGraphNodes.Read(onnxPath), tileShape) is long estimate)
            {
                network.WorkingBytesPerTile = network.WithOutputPages(estimate);
                network.unmeasuredSettings = fillsArena ? settings : null;
                network.StartPrefault(fillsArena);
                return network;
            }

            network.WarmUp(runs: 1);
            if (fillsArena)
            {
                NetworkMemoryRecord.Measured(loadPath, settings, network.WorkingBytesPerTile).TryWrite(loadPath);
            }

            return network;
        }
        catch (OnnxRuntimeException e) when (device == InferenceDevice.Cuda)
        {
            // Since ORT 1.28 a missing cuDNN surfaces at the first Run of a convolution, not at session creation.
            session.Dispose();
            return Open(signature, OrtSessionOptions.FallBackToCpu(options, CudaAvailability.DescribeRunFailure(e.Message), e));
        }
        catch
        {
            session.Dispose();
            ReleaseArena(sharedBuffers);
            throw;
        }
    }

    Span<float> ITileNetwork.InputBuffer(int batch)
    {
        EnsureCapacity(batch);
        return buffers.Input.AsSpan(0, batch * InputChannels * inputVoxels);
    }

    ReadOnlySpan<float> ITileNetwork.Run(int batch)
    {
        (OrtValue[] inputs, OrtValue[] outputs) = Values(batch);
        WaitForPrefault();
        long before = unmeasuredSettings is null ? 0 : WorkingSetBeforeMeasuredRun(batch);
        long start = Stopwatch.GetTimestamp();
        try
        {
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new SegEngineException(SegErrorCode.Runtime, $"{ModelPath}: the network run failed: {e.Message}", e);
        }

        runTicks += Stopwatch.GetTimestamp() - start;
        Runs++;
        WarmedUp = true;
        if (unmeasuredSettings is not null)
        {
            RecordFirstRun(Environment.WorkingSet - before, batch);
        }

        return buffers.Output.AsSpan(0, batch * HeadCount * inputVoxels);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        prefault?.Stop();
        DisposeValues();
        runOptions.Dispose();
        session.Dispose();
        ReleaseArena(SharesFoldMemory ? buffers : null);
    }

    /// <summary>Gives back a session's use of the <see cref="SharedCpuArena"/>: when it was opened with <paramref name="sharedBuffers"/>.</summary>
    private static void ReleaseArena(FoldTileBuffers? sharedBuffers)
    {
        if (sharedBuffers is not null)
        {
            SharedCpuArena.Release();
        }
    }

    /// <summary>
    /// Runs on a zero tile before any timing starts, measuring the working set they leave. On CUDA two: the first picks
    /// algorithms, fills the arena and traces the allocations, the second allocates the memory-pattern block every later
    /// run reuses (about as large again). On the CPU, with the memory pattern off, one run takes everything.
    /// </summary>
    private void WarmUp(int runs)
    {
        EnsureCapacity(1);
        (OrtValue[] inputs, OrtValue[] outputs) = Values(1);
        buffers.Input.AsSpan(0, InputChannels * inputVoxels).Clear();
        long before = WorkingSetBeforeMeasuredRun(1);
        for (int i = 0; i < runs; i++)
        {
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
        }

        WorkingBytesPerTile = WithOutputPages(Environment.WorkingSet - before);
        WarmedUp = true;
    }

    /// <summary>
    /// The first run's growth of the working set over what the prefault left resident, per tile and with the output
    /// buffer's pages (as a warm-up measures them and <see cref="MemoryPlan"/> takes them), replaces the estimate and is
    /// recorded for later loads (the model is hashed now, after the first tile, not before it).
    /// </summary>
    private void RecordFirstRun(long grown, int batch)
    {
        string settings = unmeasuredSettings!;
        unmeasuredSettings = null;
        // ORT's run only adds to the working set: a fall means other threads freed memory meanwhile, never that the
        // prefaulted part was given back, so the reading cannot take the prefault off the figure.
        WorkingBytesPerTile = WithOutputPages((prefaultedBytes + Math.Max(grown, 0)) / batch);
        NetworkMemoryRecord.Measured(ModelPath, settings, WorkingBytesPerTile).TryWrite(ModelPath);
    }

    /// <summary>The working set before the measured run, with the output buffer's pages touched so that ORT's growth alone is measured.</summary>
    private long WorkingSetBeforeMeasuredRun(int batch)
    {
        buffers.Output.AsSpan(0, batch * HeadCount * inputVoxels).Clear();
        return Environment.WorkingSet;
    }

    /// <summary>
    /// ORT's own <paramref name="bytes"/> for one tile (estimated, or measured with the buffers touched) plus the tile's
    /// output pages: flooring the figure at the tile buffers instead hid ORT's own memory whenever K made the output larger.
    /// </summary>
    private long WithOutputPages(long bytes) => Math.Max(bytes, 0) + TileOutputBytes;

    /// <summary>
    /// Faults in ORT's own part of the planned working memory (the plan's ORT line: the output buffer is the engine's)
    /// while the caller reads and preprocesses its case; not when <paramref name="fillsArena"/> is false (a shared arena
    /// that an earlier session fills).
    /// </summary>
    private void StartPrefault(bool fillsArena)
    {
        if (fillsArena)
        {
            prefault = ArenaPrefault.Start(session, SharesFoldMemory ? SharedCpuArena.Memory : OrtMemoryInfo.DefaultInstance, WorkingBytesPerTile - TileOutputBytes);
        }
    }

    private void WaitForPrefault()
    {
        if (prefault is not null)
        {
            prefaultedBytes = prefault.Wait();
            prefault = null;
        }
    }

    private long TileOutputBytes => (long)HeadCount * inputVoxels * sizeof(float);

    private void EnsureCapacity(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (batch > 1 && !DynamicBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{ModelPath} has a fixed batch of 1");
        }

        buffers.EnsureLengths(batch * InputChannels * inputVoxels, batch * HeadCount * inputVoxels);
        if (boundGeneration != buffers.Generation)
        {
            // Another fold (or a larger batch) replaced the arrays the values wrap.
            DisposeValues();
            boundGeneration = buffers.Generation;
        }
    }

    /// <summary>The input and output values for a batch size, created on first use over the pinned buffers.</summary>
    private (OrtValue[] Inputs, OrtValue[] Outputs) Values(int batch)
    {
        EnsureCapacity(batch);
        if (!valuesByBatch.TryGetValue(batch, out (OrtValue[] Inputs, OrtValue[] Outputs) values))
        {
            long[] inShape = [batch, InputChannels, .. PatchSize.Select(p => (long)p)];
            long[] outShape = [batch, HeadCount, .. PatchSize.Select(p => (long)p)];
            values = (
                [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Input.AsMemory(0, batch * InputChannels * inputVoxels), inShape)],
                [OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Output.AsMemory(0, batch * HeadCount * inputVoxels), outShape)]);
            valuesByBatch[batch] = values;
        }

        return values;
    }

    private void DisposeValues()
    {
        foreach ((OrtValue[] inputs, OrtValue[] outputs) in valuesByBatch.Values)
        {
            inputs[0].Dispose();
            outputs[0].Dispose();
        }

        valuesByBatch.Clear();
    }
}
