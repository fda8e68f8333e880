using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Kernels;

namespace SegEngine.Inference;

/// <summary>
/// nnU-Net's sliding-window prediction with mirroring and fold ensembling, streamed along axis 0: every fold runs on a
/// tile position before the window moves on, and each finished slab is divided, cropped, fold-averaged and handed to
/// the sink, so only the slab under the window is ever aggregated.
/// </summary>
/// <remarks>
/// <c>nnUNetPredictor.predict_logits_from_preprocessed_data</c> → <c>predict_sliding_window_return_logits</c> →
/// <c>_internal_predict_sliding_window_return_logits</c> and <c>_internal_maybe_mirror_and_predict</c>, CPU semantics
/// (nnunet-parity.md §4.1–§4.8): p = net(x) in fp32, p += flip(net(flip(x))) per combination, p /= passes;
/// acc = half(acc + p·G); weights = half(weights + G) in tile order; logits = half(acc / weights) per fold;
/// P = half(P + L_f) over folds in order, then half(P / folds) when there is more than one fold.
/// Streaming is exact because each voxel still sees the same operations in the same order.
/// </remarks>
internal sealed partial class SlidingWindowPredictor
{
    private readonly InferenceOptions options;
    private readonly IReadOnlyList<int> mirroringAxes;
    private IReadOnlyList<int> gaussianPatch = [];
    private Half[] gaussian = [];

    /// <summary>A predictor with the user's <paramref name="options"/> and the model's <paramref name="mirroringAxes"/> (patch axes, in the checkpoint's order).</summary>
    public SlidingWindowPredictor(InferenceOptions options, IReadOnlyList<int> mirroringAxes)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(mirroringAxes);
        options.Validate();
        foreach (int axis in mirroringAxes)
        {
            if (axis is < 0 or > 2)
            {
                throw new ArgumentOutOfRangeException(nameof(mirroringAxes), axis, "mirroring axes are patch axes 0, 1 or 2");
            }
        }

        if (mirroringAxes.Distinct().Count() != mirroringAxes.Count)
        {
            throw new ArgumentException($"{nameof(mirroringAxes)} repeats an axis: [{string.Join(",", mirroringAxes)}]", nameof(mirroringAxes));
        }

        this.options = options;
        this.mirroringAxes = mirroringAxes;
    }

    /// <summary>
    /// The most finished slices handed to the sink in one slab (16): the export holds a summary of every slice of a slab,
    /// so handing a tile row's finished slices a few at a time keeps that K-independent working memory small.
    /// </summary>
    internal int ExportSlabSlices { get; init; } = 16;

    /// <summary>
    /// Forces finished slices over whole (false) or in bands (true) instead of the plan's choice, to test both; the
    /// plan's figures then describe the other hand-over.
    /// </summary>
    internal bool? ExportInBands { get; init; }

    /// <summary>The most slices one slab hands the sink for <paramref name="patchSize"/>: <see cref="ExportSlabSlices"/>, at most the patch depth (one slice for a 2-D patch).</summary>
    internal int SlabSlices(IReadOnlyList<int> patchSize) => Math.Min(patchSize.Count == 3 ? patchSize[0] : 1, ExportSlabSlices);

    /// <summary>
    /// The plan the prediction will follow for this image, for printing or checking up front. The sink keeps
    /// <paramref name="sinkBytesPerSlice"/> for each slice it is handed at once (<see cref="ILogitSlabSink.WorkingBytesPerSlice"/>)
    /// and <paramref name="exportWorkingBytes"/> besides.
    /// </summary>
    public MemoryPlan Plan(
        Shape3 image, IReadOnlyList<ITileNetwork> folds, bool collectsWholeVolume = false, PreprocessingMemory preprocessing = default, long labelMapBytes = 0, long exportWorkingBytes = 0,
        long probabilityBytes = 0, long sinkBytesPerSlice = 0)
    {
        ITileNetwork first = CheckFolds(folds);
        return MemoryPlan.Compute(
            image, first.InputChannels, first.HeadCount, first.PatchSize, folds.Count,
            folds.All(f => f.DynamicBatch), folds.Max(f => f.WorkingBytesPerTile), options, mirroringAxes, preprocessing, collectsWholeVolume, labelMapBytes, exportWorkingBytes,
            networksWarmedUp: folds.All(f => f.WarmedUp), probabilityBytes, sinkBytesPerSlice, SlabSlices(first.PatchSize),
            foldsShareMemory: folds.Count > 1 && folds.All(f => f.SharesFoldMemory));
    }

    /// <summary>Predicts one preprocessed case (C, z, y, x) with every fold and streams the fp16 logits into <paramref name="sink"/>.</summary>
    public void Predict(VolumeBuffer<float> preprocessed, IReadOnlyList<ITileNetwork> folds, ILogitSlabSink sink, CancellationToken cancellationToken) =>
        Predict(preprocessed, folds, sink, progress: null, cancellationToken);

    /// <summary>
    /// As <see cref="Predict(VolumeBuffer{float}, IReadOnlyList{ITileNetwork}, ILogitSlabSink, CancellationToken)"/>, reporting the
    /// share of tile positions done (every fold run on them) to <paramref name="progress"/> after each batch.
    /// </summary>
    public void Predict(
        VolumeBuffer<float> preprocessed, IReadOnlyList<ITileNetwork> folds, ILogitSlabSink sink, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(preprocessed);
        ArgumentNullException.ThrowIfNull(sink);
        ITileNetwork first = CheckFolds(folds);
        if (preprocessed.Channels != first.InputChannels)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"the preprocessed case has {preprocessed.Channels} channels but the network expects {first.InputChannels}");
        }

        MemoryPlan plan = Plan(preprocessed.Shape, folds, sinkBytesPerSlice: sink.WorkingBytesPerSlice);
        var grid = SlidingWindowGrid.Create(preprocessed.Shape, first.PatchSize, options.StepSize);
        Mirror[] passes = MirrorCombinations.Passes(mirroringAxes, first.PatchSize.Count, options.UseMirroring);
        int planes = (folds.Count * first.HeadCount) + 1;
        LogitHandOver handOver = ExportInBands switch
        {
            true => LogitHandOver.Bands(grid, planes, SlabSlices(first.PatchSize)),
            false => LogitHandOver.WholeSlices(grid, planes, SlabSlices(first.PatchSize)),
            null => plan.HandOver,
        };
        using var run = new CaseRun(grid, preprocessed, folds, Gaussian(first.PatchSize), passes, plan.BatchSize, options.BatchMirrors, handOver, sink);
        run.Execute(progress, cancellationToken);
    }

    private static ITileNetwork CheckFolds(IReadOnlyList<ITileNetwork> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        if (folds.Count == 0)
        {
            throw new ArgumentException("at least one fold is needed", nameof(folds));
        }

        ITileNetwork first = folds[0];
        for (int f = 1; f < folds.Count; f++)
        {
            if (folds[f].InputChannels != first.InputChannels || folds[f].HeadCount != first.HeadCount || !folds[f].PatchSize.SequenceEqual(first.PatchSize))
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"fold {f} has {folds[f].InputChannels} channels, {folds[f].HeadCount} heads and patch {string.Join("x", folds[f].PatchSize)}; "
                    + $"fold 0 has {first.InputChannels}, {first.HeadCount} and {string.Join("x", first.PatchSize)}");
            }
        }

        return first;
    }

    /// <summary>The Gaussian for the patch, computed once per predictor and patch (nnU-Net lru-caches it likewise).</summary>
    private Half[] Gaussian(IReadOnlyList<int> patch)
    {
        if (!gaussianPatch.SequenceEqual(patch))
        {
            gaussian = GaussianMap.Compute(patch);
            gaussianPatch = [.. patch];
        }

        return gaussian;
    }
}
