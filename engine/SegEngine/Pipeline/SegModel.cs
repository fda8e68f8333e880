using System.Diagnostics;
using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Pipeline;

/// <summary>
/// A trained nnU-Net model ready to segment: the model folder, one ONNX Runtime session per fold, and the stages
/// read → preprocess → slide → aggregate → export → write. Load once, predict many cases.
/// </summary>
/// <remarks>
/// Predictions on one instance run one at a time (the sessions and the sliding-window buffers are shared); the
/// stages themselves use every core.
/// </remarks>
public sealed class SegModel : IDisposable
{
    private readonly OrtModel[] folds;
    private readonly CaseReader reader;
    private readonly SlidingWindowPredictor predictor;
    private readonly Lock predictionLock = new();

    private SegModel(ModelFolder folder, OrtModel[] folds, InferenceOptions inference)
    {
        Folder = folder;
        this.folds = folds;
        Inference = inference;
        reader = new CaseReader(folder);
        predictor = new SlidingWindowPredictor(inference);
    }

    /// <summary>The configuration in use, e.g. <c>3d_fullres</c>.</summary>
    public string ConfigurationName => Folder.Configuration.Name;

    /// <summary>The image channels a case must have (dataset.json <c>channel_names</c>).</summary>
    public IReadOnlyList<string> ChannelNames => Folder.Dataset.ChannelNames;

    /// <summary>The file ending of inputs and outputs (dataset.json <c>file_ending</c>), e.g. <c>.nii.gz</c>.</summary>
    public string FileEnding => Folder.Dataset.FileEnding;

    /// <summary>The model folder: plans, dataset, labels, folds.</summary>
    internal ModelFolder Folder { get; }

    /// <summary>The inference settings in effect, with the model's mirroring axes filled in.</summary>
    public InferenceOptions Inference { get; }

    /// <summary>The reader/writer the plans name (or dataset.json overrides); inputs are read and outputs written with it.</summary>
    public IImageReaderWriter ReaderWriter => reader.ReaderWriter;

    /// <summary>Where the network runs after any fallback.</summary>
    public InferenceDevice Device => folds[0].Device;

    /// <summary>Time spent inside ONNX Runtime's <c>Run</c> over every fold since loading.</summary>
    public TimeSpan NetworkTime => TimeSpan.FromTicks(folds.Sum(f => f.RunTime.Ticks));

    /// <summary>
    /// Loads a model folder (or the matching one in a dataset folder) and opens one session per fold. A fold that has only
    /// its checkpoint is converted to ONNX first, and the result kept beside the checkpoint for the next load.
    /// </summary>
    /// <exception cref="SegEngineException">A file is missing or inconsistent; the message names it.</exception>
    public static SegModel Load(string modelDirectory, SegModelOptions? options = null)
    {
        options ??= new SegModelOptions();
        ModelFolder folder = ModelFolder.Load(
            modelDirectory,
            new ModelFolderOptions { Configuration = options.Configuration, Folds = options.Folds, CheckpointName = options.CheckpointName });
        InferenceOptions inference = WithModelFacts(options.Inference, folder);
        foreach (string warning in folder.Warnings)
        {
            inference.Warning?.Invoke(warning);
        }

        var sessions = new List<OrtModel>();
        try
        {
            foreach (FoldInfo fold in folder.Folds)
            {
                // Every fold runs where the first one does, so a fallback to the CPU is decided, and said, once.
                InferenceOptions foldInference = sessions.Count == 0 ? inference : inference with { Device = sessions[0].Device };
                sessions.Add(OrtModel.Open(ModelConversion.EnsureOnnx(folder, fold, options.ConversionCacheDirectory, inference.Warning), foldInference));
            }

            return new SegModel(folder, [.. sessions], inference);
        }
        catch
        {
            foreach (OrtModel session in sessions)
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <summary>Reads a case's channel files (one per channel, in channel order) with the model's reader and checks the channel count.</summary>
    public ImageVolume ReadImage(IReadOnlyList<string> channelFiles) => reader.ReadImage(channelFiles);

    /// <summary>
    /// Segments an image; the caller keeps <paramref name="image"/>. Returns the label map in the image's array order
    /// (uint8, or uint16 for labels of 255 and above), which the caller disposes.
    /// </summary>
    public LabelMap Predict(ImageVolume image, CancellationToken cancellationToken = default) =>
        Predict(image, progress: null, cancellationToken);

    /// <summary>
    /// As <see cref="Predict(ImageVolume, CancellationToken)"/>, reporting each stage to <paramref name="progress"/>.
    /// Cancellation is honoured at every stage start and between batches of tiles.
    /// </summary>
    public LabelMap Predict(ImageVolume image, IProgress<SegProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        VolumeBuffer<float> copy = VolumeBuffer<float>.Allocate(image.Data.Channels, image.Data.Shape);
        image.Data.Span.CopyTo(copy.Span);
        return PredictInMemory(copy, image, progress, cancellationToken);
    }

    /// <summary>
    /// Reads a case, segments it and writes <paramref name="outputFile"/> atomically with the input's geometry.
    /// With <paramref name="probabilitiesFile"/>, also writes nnU-Net's <c>.npz</c> probabilities and a properties
    /// <c>.json</c> beside it. <paramref name="previousStageFile"/> is the previous stage's segmentation for a cascade.
    /// </summary>
    /// <returns>The seconds each stage took.</returns>
    public CaseTimings PredictFile(
        IReadOnlyList<string> channelFiles,
        string outputFile,
        string? probabilitiesFile = null,
        string? previousStageFile = null,
        CancellationToken cancellationToken = default) =>
        PredictFile(channelFiles, outputFile, probabilitiesFile, previousStageFile, progress: null, cancellationToken);

    /// <summary>
    /// As <see cref="PredictFile(IReadOnlyList{string}, string, string?, string?, CancellationToken)"/>, reporting each stage to
    /// <paramref name="progress"/>. Cancellation is honoured up to the start of <see cref="SegStage.Write"/>; once that
    /// stage has started the segmentation is written.
    /// </summary>
    public CaseTimings PredictFile(
        IReadOnlyList<string> channelFiles,
        string outputFile,
        string? probabilitiesFile,
        string? previousStageFile,
        IProgress<SegProgress>? progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        var timings = new CaseTimings();
        bool withProbabilities = probabilitiesFile is not null;
        using PreparedCase prepared = Prepare(channelFiles, previousStageFile, withProbabilities, timings, progress, warnings: null, cancellationToken);
        using PredictedCase predicted = RunNetwork(prepared, withProbabilities, timings, progress, cancellationToken);
        Finish(predicted, outputFile, probabilitiesFile, timings, progress, warnings: null, cancellationToken);
        return timings;
    }

    /// <summary>The read and preprocess stages: safe to run for several cases at once, beside the network stage.</summary>
    internal PreparedCase Prepare(
        IReadOnlyList<string> channelFiles,
        string? previousStageFile,
        bool withProbabilities,
        CaseTimings timings,
        IProgress<SegProgress>? progress,
        ICollection<string>? warnings,
        CancellationToken cancellationToken)
    {
        StartStage(progress, SegStage.Read, cancellationToken);
        long start = Stopwatch.GetTimestamp();
        ImageVolume image = reader.ReadImage(channelFiles);
        try
        {
            using VolumeBuffer<short>? previous = previousStageFile is null ? null : reader.ReadPreviousStage(previousStageFile);
            timings.Read = Stopwatch.GetElapsedTime(start).TotalSeconds;
            progress?.Report(new SegProgress(SegStage.Read, 1));
            StartStage(progress, SegStage.Preprocess, cancellationToken);
            start = Stopwatch.GetTimestamp();
            VolumeBuffer<float> data = image.DetachData();
            CheckMemoryBudget(data, image.Spacing, withProbabilities);
            PreprocessedCase preprocessed = reader.Preprocess(data, image, previous);
            if (warnings is not null)
            {
                WarnAboutSpacing(preprocessed.Properties, warnings);
            }

            try
            {
                ExportPlan plan = CaseExportPlan.Create(Folder, preprocessed.Properties, preprocessed.Data.Shape);
                timings.Preprocess = Stopwatch.GetElapsedTime(start).TotalSeconds;
                progress?.Report(new SegProgress(SegStage.Preprocess, 1));
                return new PreparedCase(image, preprocessed, plan);
            }
            catch
            {
                preprocessed.Dispose();
                throw;
            }
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The network stage (one case at a time per model): the sliding window with the export fused into it, or, with
    /// <paramref name="keepLogits"/>, the whole fp16 logits for a later export. Releases the preprocessed volume.
    /// </summary>
    internal PredictedCase RunNetwork(PreparedCase prepared, bool keepLogits, CaseTimings timings, IProgress<SegProgress>? progress, CancellationToken cancellationToken)
    {
        StartStage(progress, SegStage.Predict, cancellationToken);
        ImageVolume image = prepared.Image;
        string propertiesJson = prepared.Preprocessed.Properties.WriteJson();
        TimeSpan networkBefore = NetworkTime;
        long start = Stopwatch.GetTimestamp();
        LabelMap? labels = null;
        VolumeBuffer<Half>? logits = null;
        double exportSeconds = 0;
        if (keepLogits)
        {
            using var collector = new LogitVolumeSink();
            RunSlidingWindow(prepared.Preprocessed.Data, collector, progress, cancellationToken);
            logits = collector.TakeVolume();
        }
        else
        {
            using var exporter = new SegmentationExporter(prepared.Plan);
            var timed = new TimedSink(exporter);
            RunSlidingWindow(prepared.Preprocessed.Data, timed, progress, cancellationToken);

            // The export ran slab by slab inside the sliding window; its own stage is only the hand-over of the labels.
            StartStage(progress, SegStage.Export, cancellationToken);
            labels = exporter.DetachLabels();
            progress?.Report(new SegProgress(SegStage.Export, 1));
            exportSeconds = timed.Seconds;
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        timings.Network = (NetworkTime - networkBefore).TotalSeconds;
        timings.Export += exportSeconds;
        timings.Aggregation = Math.Max(0, elapsed - timings.Network - exportSeconds);

        // The image holds only metadata now (its voxels went to preprocessing), so both stages may refer to it.
        return new PredictedCase(image, prepared.Plan, propertiesJson, labels, logits);
    }

    /// <summary>The export and write stages: the label map (exported here from logits when probabilities are wanted) written atomically.</summary>
    internal void Finish(
        PredictedCase predicted,
        string outputFile,
        string? probabilitiesFile,
        CaseTimings timings,
        IProgress<SegProgress>? progress,
        ICollection<string>? warnings,
        CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        LabelMap? fused = predicted.TakeLabels();
        if (fused is null)
        {
            StartStage(progress, SegStage.Export, cancellationToken);
        }

        using LabelMap labels = fused ?? SegmentationExport.Export(predicted.Logits!, predicted.Plan);
        if (warnings is not null && IsBackgroundOnly(labels))
        {
            warnings.Add("the segmentation is empty: every voxel is background");
        }

        if (probabilitiesFile is not null)
        {
            ProbabilityWriter.Write(probabilitiesFile, predicted.Logits!, predicted.Plan, predicted.PropertiesJson);
        }

        timings.Export += Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (fused is null)
        {
            progress?.Report(new SegProgress(SegStage.Export, 1));
        }

        StartStage(progress, SegStage.Write, cancellationToken);
        start = Stopwatch.GetTimestamp();
        ReaderWriter.WriteSegmentation(outputFile, labels, predicted.Image.Geometry);
        timings.Write = Stopwatch.GetElapsedTime(start).TotalSeconds;
        progress?.Report(new SegProgress(SegStage.Write, 1));
    }

    /// <summary>Sliding-window tiles of one fold and one mirror pass for a preprocessed shape.</summary>
    internal int TileCount(Shape3 preprocessedShape) =>
        SlidingWindowGrid.Create(preprocessedShape, folds[0].PatchSize, Inference.StepSize).TileCount;

    /// <summary>
    /// The memory plan of one case before any work starts, for an image of <paramref name="imageShape"/> (z, y, x in
    /// the reader's array order) and <paramref name="spacing"/> (same order): the image, its preprocessed volume on the
    /// target grid (uncropped, so an upper bound), the inference buffers and the label map.
    /// </summary>
    /// <exception cref="SegEngineException">The plan exceeds <see cref="InferenceOptions.MemoryBudgetGb"/> at every batch size.</exception>
    public MemoryPlan PlanMemory(Shape3 imageShape, IReadOnlyList<double> spacing, bool withProbabilities = false)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        int[] transposeForward = Folder.Plans.TransposeForward;
        Shape3 transposed = Transposition.TransposeShape(imageShape, transposeForward);
        double[] transposedSpacing = Transposition.TransposeSpacing(spacing, transposeForward);
        double[] target = ResamplingPlan.TargetSpacing(transposedSpacing, Folder.Configuration.Spacing);
        Shape3 network = ResamplingPlan.ComputeNewShape(transposed, transposedSpacing, target);
        long labelBytes = imageShape.Voxels * LabelBytesPerVoxel;
        long imageBytes = Folder.Dataset.ChannelNames.Count * imageShape.Voxels * sizeof(float);
        // The fused export takes slabs as deep as the patch (one slice for a 2-D configuration).
        int slabSlices = folds[0].PatchSize.Count == 3 ? folds[0].PatchSize[0] : 1;
        long exportBytes = SegmentationExporter.PlannedWorkingBytes(network, folds[0].Classes, slabSlices, wholeVolume: withProbabilities);
        return predictor.Plan(network, folds, withProbabilities, imageBytes, labelBytes, exportBytes);
    }

    public void Dispose()
    {
        foreach (OrtModel fold in folds)
        {
            fold.Dispose();
        }
    }

    /// <summary>
    /// Flags a case whose voxel spacing is far from the model's: nnU-Net resamples it silently, but a factor above
    /// four on an axis usually means the wrong model or a wrong header.
    /// </summary>
    private void WarnAboutSpacing(PreprocessingProperties properties, ICollection<string> warnings)
    {
        const double Factor = 4;
        double[] spacing = properties.TransposedSpacing(Folder.Plans.TransposeForward);
        double[] target = ResamplingPlan.TargetSpacing(spacing, Folder.Configuration.Spacing);
        for (int axis = 0; axis < 3; axis++)
        {
            double ratio = spacing[axis] / target[axis];
            if (ratio > Factor || ratio < 1 / Factor)
            {
                warnings.Add(string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"axis {axis} spacing {spacing[axis]:G6} mm is {ratio:G3} x the model's {target[axis]:G6} mm; the network sees a strongly resampled image"));
            }
        }
    }

    private static bool IsBackgroundOnly(LabelMap labels) =>
        labels.IsUInt16 ? !labels.UInt16.ContainsAnyExcept((ushort)0) : !labels.Bytes.ContainsAnyExcept((byte)0);

    /// <summary>Refuses a case before preprocessing when its plan cannot fit the budget (the plan depends only on the shapes).</summary>
    private void CheckMemoryBudget(VolumeBuffer<float> data, IReadOnlyList<double> spacing, bool withProbabilities)
    {
        if (Inference.MemoryBudgetGb == 0)
        {
            return;
        }

        try
        {
            PlanMemory(data.Shape, spacing, withProbabilities);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>Bytes per voxel of the label maps this model produces: 1 (uint8), or 2 (uint16) for labels of 255 and above.</summary>
    internal int LabelBytesPerVoxel => Folder.Labels.MaxLabel < 255 ? sizeof(byte) : sizeof(ushort);

    /// <summary>
    /// Segments an image handed over in memory: <paramref name="voxels"/> (C, z, y, x; x fastest, copied) with its
    /// <paramref name="spacing"/> (z, y, x) and optional NIfTI-style <paramref name="affine"/> (see <see cref="ImageGeometry.FromAffine"/>).
    /// </summary>
    internal LabelMap PredictVoxels(
        ReadOnlySpan<float> voxels, int channels, Shape3 shape, IReadOnlyList<double> spacing, IReadOnlyList<double>? affine,
        IProgress<SegProgress>? progress, CancellationToken cancellationToken)
    {
        const string Source = "(image in memory)";
        if (channels != ChannelNames.Count)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{Source}: the image has {channels} channel(s); the model was trained on {ChannelNames.Count} ({string.Join(", ", ChannelNames)})");
        }

        if (voxels.Length != channels * shape.Voxels)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{Source}: {channels} channel(s) of {shape} need {channels * shape.Voxels} voxels, got {voxels.Length}");
        }

        ImageGeometry geometry = ImageGeometry.FromAffine(ReaderWriter.Name, shape, spacing, affine, Source);
        VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(channels, shape);
        voxels.CopyTo(data.Span);
        using var image = new ImageVolume(data, [.. spacing], geometry, [Source]);
        return PredictInMemory(image.DetachData(), image, progress, cancellationToken);
    }

    /// <summary>Preprocess (taking <paramref name="data"/> over), slide and export with the export fused, all in memory.</summary>
    private LabelMap PredictInMemory(VolumeBuffer<float> data, ImageVolume image, IProgress<SegProgress>? progress, CancellationToken cancellationToken)
    {
        CheckMemoryBudget(data, image.Spacing, withProbabilities: false);
        try
        {
            StartStage(progress, SegStage.Preprocess, cancellationToken);
        }
        catch
        {
            data.Dispose();
            throw;
        }

        using PreprocessedCase preprocessed = reader.Preprocess(data, image, previousStage: null);
        ExportPlan plan = CaseExportPlan.Create(Folder, preprocessed.Properties, preprocessed.Data.Shape);
        progress?.Report(new SegProgress(SegStage.Preprocess, 1));
        StartStage(progress, SegStage.Predict, cancellationToken);
        using var exporter = new SegmentationExporter(plan);
        RunSlidingWindow(preprocessed.Data, exporter, progress, cancellationToken);
        StartStage(progress, SegStage.Export, cancellationToken);
        LabelMap labels = exporter.DetachLabels();
        progress?.Report(new SegProgress(SegStage.Export, 1));
        return labels;
    }

    /// <summary>Reports the start of a stage, then honours a cancellation the report (or anything before it) asked for.</summary>
    private static void StartStage(IProgress<SegProgress>? progress, SegStage stage, CancellationToken cancellationToken)
    {
        progress?.Report(new SegProgress(stage, 0));
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void RunSlidingWindow(VolumeBuffer<float> preprocessed, ILogitSlabSink sink, IProgress<SegProgress>? progress, CancellationToken cancellationToken)
    {
        IProgress<double>? tiles = progress is null ? null : new StageProgress(progress, SegStage.Predict);
        lock (predictionLock)
        {
            predictor.Predict(preprocessed, folds, sink, tiles, cancellationToken);
        }
    }

    /// <summary>Fills in what the model folder knows: mirroring axes (the checkpoint's, else every patch axis), patch size, heads.</summary>
    private static InferenceOptions WithModelFacts(InferenceOptions options, ModelFolder folder)
    {
        int patchAxes = folder.Configuration.PatchSize.Length;
        IReadOnlyList<int> mirrorAxes = folder.MirroringAxes ?? [.. Enumerable.Range(0, patchAxes)];
        if (folder.MirroringAxes is null && options.UseMirroring)
        {
            options.Warning?.Invoke(
                $"{folder.Folds[0].Directory}: no checkpoint to read inference_allowed_mirroring_axes from; mirroring over every axis as nnU-Net's default trainer does");
        }

        return options with
        {
            MirrorAxes = mirrorAxes,
            ExpectedPatchSize = folder.Configuration.PatchSize,
            ExpectedClasses = folder.Labels.HeadCount,
        };
    }

    /// <summary>Forwards a stage's own fraction done as that stage's <see cref="SegProgress"/>, synchronously.</summary>
    private sealed class StageProgress(IProgress<SegProgress> progress, SegStage stage) : IProgress<double>
    {
        public void Report(double value) => progress.Report(new SegProgress(stage, value));
    }
}
