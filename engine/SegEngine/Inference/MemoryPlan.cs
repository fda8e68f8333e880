using System.Globalization;
using System.Text;

namespace SegEngine.Inference;

/// <summary>
/// The host memory one case will hold, computed before any work starts, and the batch size chosen to fit a budget.
/// Two stages are planned, and the case's peak is the larger: preprocessing (the image, the preprocessed volume and the
/// working memory between them, beside what the sessions keep from the load on) and the network stage (the
/// preprocessed volume, the sliding-window buffers and the export). The image is released when preprocessing ends, so
/// the network stage does not hold it. Aggregation always streams: the fp16 sums are held only for the slices under
/// the window (the patch depth on axis 0, one slice for a 2-D configuration), and finished slices go to the export
/// from there, whole or band by band (<see cref="LogitHandOver"/>, chosen here and followed by the sliding window).
/// </summary>
/// <remarks>
/// The ORT line is per-tile working memory times tiles per run times folds (each fold's session keeps its own arena).
/// <see cref="OrtTileNetwork"/> gives the per-tile figure: on the CPU the graph's estimate of its largest live set of
/// activations (<see cref="ActivationMemoryEstimate"/>) until a first tile has measured it, then that measurement, kept
/// per model and settings (<see cref="NetworkMemoryRecord"/>). With the memory pattern off, what the first run takes is
/// all any later run of that shape holds, so a one-tile case and a many-tile case plan the same figure.
/// </remarks>
public sealed class MemoryPlan
{
    private const int MaxPlannedBatch = 8;

    private MemoryPlan(
        IReadOnlyList<MemoryPlanItem> items, long perCaseBytes, long warmedUpBytes, int batchSize, int streamingDepth, double budgetGb,
        LogitHandOver handOver)
    {
        HandOver = handOver;
        Items = items;
        PerCaseBytes = perCaseBytes;
        WarmedUpBytes = warmedUpBytes;
        BatchSize = batchSize;
        StreamingDepth = streamingDepth;
        BudgetGb = budgetGb;
    }

    /// <summary>Each component, its bytes and the stages that hold it, in pipeline order.</summary>
    public IReadOnlyList<MemoryPlanItem> Items { get; }

    /// <summary>The preprocessing stage's peak: the sum of its items.</summary>
    public long PreprocessingBytes => StageBytes(MemoryStages.Preprocessing);

    /// <summary>The network stage's peak (with the export): the sum of its items.</summary>
    public long NetworkStageBytes => StageBytes(MemoryStages.Network);

    /// <summary>The case's peak: the larger of <see cref="PreprocessingBytes"/> and <see cref="NetworkStageBytes"/>.</summary>
    public long TotalBytes => Math.Max(PreprocessingBytes, NetworkStageBytes);

    /// <summary>
    /// The part a case holds on its own, at its largest: while it is preprocessed (image, preprocessed volume, working
    /// memory), or after (preprocessed volume, logits kept for probabilities, label map, probabilities). A case
    /// prepared while another runs the network holds its image. The rest belongs to the network stage, which serves one
    /// case at a time.
    /// </summary>
    public long PerCaseBytes { get; }

    /// <summary>
    /// The part of the ORT working memory and network buffers every fold's session already holds (a tile of an earlier case, or a CUDA
    /// warm-up, ran), so a process's peak is what was resident before the first case plus <see cref="TotalBytes"/> minus
    /// this. 0 while any fold's session has run nothing yet (a CPU load runs no tile).
    /// </summary>
    public long WarmedUpBytes { get; }

    /// <summary>Tiles per network run.</summary>
    public int BatchSize { get; }

    /// <summary>Axis-0 slices (padded) the aggregation holds at most.</summary>
    public int StreamingDepth { get; }

    /// <summary>The budget it was planned for; 0 means unlimited.</summary>
    public double BudgetGb { get; }

    /// <summary>How finished slices go to the sink, and the accumulator's peak that follows.</summary>
    internal LogitHandOver HandOver { get; }

    /// <summary>
    /// Plans one case. <paramref name="preprocessing"/> is what the preprocessing stage holds beside the preprocessed
    /// volume (nothing when the case comes preprocessed); <paramref name="collectsWholeVolume"/> adds the full fp16
    /// logits a collecting sink keeps;
    /// <paramref name="labelMapBytes"/> is the export's output label map and <paramref name="exportWorkingBytes"/> its working
    /// memory apart from what it keeps per slice it is handed at once (<paramref name="sinkBytesPerSlice"/>; slabs of
    /// <paramref name="slabSlices"/> when whole slices go over); <paramref name="probabilityBytes"/> the probabilities
    /// handed over in memory.
    /// <paramref name="mirroringAxes"/> are the model's (<see cref="MirrorCombinations.Passes"/>).
    /// <paramref name="networksWarmedUp"/> says every fold's session has run a tile, so <see cref="WarmedUpBytes"/> is resident already.
    /// <paramref name="foldsShareMemory"/> says the folds run in one ORT arena with one set of network buffers
    /// (<see cref="SharedCpuArena"/>, <see cref="FoldTileBuffers"/>): one fold's worth of each is counted, not one per fold.
    /// </summary>
    public static MemoryPlan Compute(
        Shape3 image,
        int channels,
        int headCount,
        IReadOnlyList<int> patchSize,
        int folds,
        bool dynamicBatch,
        long workingBytesPerTile,
        InferenceOptions options,
        IReadOnlyList<int> mirroringAxes,
        PreprocessingMemory preprocessing = default,
        bool collectsWholeVolume = false,
        long labelMapBytes = 0,
        long exportWorkingBytes = 0,
        bool networksWarmedUp = true,
        long probabilityBytes = 0,
        long sinkBytesPerSlice = 0,
        int slabSlices = 1,
        bool foldsShareMemory = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentNullException.ThrowIfNull(mirroringAxes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(folds);
        options.Validate();
        SlidingWindowGrid grid = SlidingWindowGrid.Create(image, patchSize, options.StepSize);
        int passes = MirrorCombinations.Passes(mirroringAxes, patchSize.Count, options.UseMirroring).Length;

        if (options.BatchSize > 1 && !dynamicBatch)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported, $"batch size {options.BatchSize} needs an ONNX model with a dynamic batch axis; this one has a fixed batch of 1");
        }

        MemoryPlan At(int batch, LogitHandOver handOver) => Build(
            grid, channels, headCount, foldsShareMemory ? 1 : folds, passes, batch, workingBytesPerTile, options, preprocessing, collectsWholeVolume,
            labelMapBytes, exportWorkingBytes + (handOver.SinkSlices * sinkBytesPerSlice), networksWarmedUp, probabilityBytes, handOver);

        int planes = (folds * headCount) + 1;
        int firstBatch = Math.Max(options.BatchSize, 1);
        MemoryPlan whole = At(firstBatch, LogitHandOver.WholeSlices(grid, planes, slabSlices));
        MemoryPlan bands = At(firstBatch, LogitHandOver.Bands(grid, planes, slabSlices));
        MemoryPlan best = LogitHandOver.PrefersBands(whole.NetworkStageBytes, bands.NetworkStageBytes) ? bands : whole;
        best.ThrowIfOverBudget();
        if (options.BatchSize > 0 || options.MemoryBudgetGb == 0)
        {
            return best;
        }

        int largest = dynamicBatch ? Math.Min(MaxPlannedBatch, grid.TilesPerAxis0Position) : 1;
        for (int batch = 2; batch <= largest; batch++)
        {
            MemoryPlan candidate = At(batch, best.HandOver);
            if (!candidate.Fits)
            {
                break;
            }

            best = candidate;
        }

        return best;
    }

    /// <summary>
    /// A table: one line per component with its MiB in the column of each stage that holds it, each stage's sum, the
    /// total (the larger sum), then the batch size and the streaming depth.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        int width = Math.Max(24, Items.Max(i => i.Item.Length));
        text.AppendLine(CultureInfo.InvariantCulture, $"{"MiB".PadRight(width)} {"preprocessing",14} {"network stage",14}");
        foreach (MemoryPlanItem item in Items)
        {
            text.AppendLine(
                CultureInfo.InvariantCulture,
                $"{item.Item.PadRight(width)} {Cell(item, MemoryStages.Preprocessing),14} {Cell(item, MemoryStages.Network),14}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"{"stage sum".PadRight(width)} {PreprocessingBytes / 1048576.0,14:F1} {NetworkStageBytes / 1048576.0,14:F1}");
        text.AppendLine(CultureInfo.InvariantCulture, $"{"total (larger stage)".PadRight(width)} {TotalBytes / 1048576.0,14:F1} MiB");
        string budget = BudgetGb > 0 ? string.Create(CultureInfo.InvariantCulture, $"{BudgetGb:G} GB") : "unlimited";
        text.Append(CultureInfo.InvariantCulture, $"batch size {BatchSize}, streaming depth {StreamingDepth} slices, budget {budget}");
        return text.ToString();
    }

    private static string Cell(MemoryPlanItem item, MemoryStages stage) =>
        item.IsIn(stage) ? (item.Bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) : "";

    private long StageBytes(MemoryStages stage) => Items.Where(i => i.IsIn(stage)).Sum(i => i.Bytes);

    private bool Fits => BudgetGb == 0 || TotalBytes <= (long)(BudgetGb * (1L << 30));

    private void ThrowIfOverBudget()
    {
        if (!Fits)
        {
            throw new MemoryBudgetException(
                this,
                string.Create(CultureInfo.InvariantCulture, $"inference needs {TotalBytes / 1048576.0:F1} MiB at batch size {BatchSize} but the memory budget is {BudgetGb:G} GB:\n{this}"));
        }
    }

    private static MemoryPlan Build(
        SlidingWindowGrid grid, int channels, int headCount, int networkCopies, int passes, int batch, long workingBytesPerTile,
        InferenceOptions options, PreprocessingMemory preprocessing, bool collectsWholeVolume, long labelMapBytes, long exportWorkingBytes, bool networksWarmedUp, long probabilityBytes,
        LogitHandOver handOver)
    {
        long patchVoxels = grid.Patch.Voxels;
        int depth = grid.Patch.Z;
        long tilesPerRun = options.BatchMirrors ? (long)batch * passes : batch;
        long preprocessedBytes = channels * grid.Image.Voxels * sizeof(float);
        long logitBytes = collectsWholeVolume ? headCount * grid.Image.Voxels * 2 : 0;
        long tileInputBytes = channels * patchVoxels * sizeof(float);
        long tileOutputBytes = headCount * patchVoxels * sizeof(float);

        // The per-tile figure includes the tile's output pages (OrtTileNetwork.WorkingBytesPerTile), which the network
        // batch buffers below count already.
        long ortOwnPerTile = Math.Max(0, workingBytesPerTile - tileOutputBytes);
        const MemoryStages Preprocessing = MemoryStages.Preprocessing;
        const MemoryStages Network = MemoryStages.Network;

        // The sessions keep their memory from case to case: ORT's arena from the load on (the CPU prefault, or the
        // warm-up), the network's batch buffers once a tile has run.
        MemoryStages sessionBuffers = networksWarmedUp ? Preprocessing | Network : Network;
        MemoryPlanItem[] items =
        [
            new("input image", preprocessing.ImageBytes, Preprocessing),
            new("preprocessing working memory", preprocessing.WorkingBytes, Preprocessing),
            new("preprocessed volume (f32)", preprocessedBytes, Preprocessing | Network),
            new("aggregation slab (f16)", handOver.AccumulatorBytes, Network),

            // The mirror average needs its own K-class buffer beside the network's output; without mirroring the output is aggregated in place.
            new("tile buffers (f32)", batch * (tileInputBytes + (passes > 1 ? tileOutputBytes : 0)), Network),
            new("network batch buffers (f32)", networkCopies * tilesPerRun * (tileInputBytes + tileOutputBytes), sessionBuffers),
            new("ORT working memory", networkCopies * tilesPerRun * ortOwnPerTile, Preprocessing | Network),
            new("output (f16 logits)", logitBytes, Network),
            new("label map", labelMapBytes, Network),
            new("export working memory", exportWorkingBytes, Network),
            new("probabilities (f32)", probabilityBytes, Network),
        ];
        long whilePreprocessed = preprocessing.ImageBytes + preprocessing.WorkingBytes + preprocessedBytes;
        long afterwards = preprocessedBytes + logitBytes + labelMapBytes + probabilityBytes;
        return new MemoryPlan(items, Math.Max(whilePreprocessed, afterwards), networksWarmedUp ? networkCopies * workingBytesPerTile : 0, batch, depth, options.MemoryBudgetGb, handOver);
    }
}
