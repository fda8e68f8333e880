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
                sessions.Add(OrtModel.Open(ModelConversion.EnsureOnnx(folder, fold, options.ConversionCacheDirectory, inference.Warning), inference));
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
    public LabelMap Predict(ImageVolume image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        VolumeBuffer<float> copy = VolumeBuffer<float>.Allocate(image.Data.Channels, image.Data.Shape);
        image.Data.Span.CopyTo(copy.Span);
        return PredictOwned(copy, image, previousStage: null, probabilitiesPath: null, cancellationToken);
    }

    /// <summary>
    /// Reads a case, segments it and writes <paramref name="outputFile"/> atomically with the input's geometry.
    /// With <paramref name="probabilitiesFile"/>, also writes nnU-Net's <c>.npz</c> probabilities and a properties
    /// <c>.json</c> beside it. <paramref name="previousStageFile"/> is the previous stage's segmentation for a cascade.
    /// </summary>
    public void PredictFile(
        IReadOnlyList<string> channelFiles,
        string outputFile,
        string? probabilitiesFile = null,
        string? previousStageFile = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        using ImageVolume image = reader.ReadImage(channelFiles);
        using VolumeBuffer<short>? previous = previousStageFile is null ? null : reader.ReadPreviousStage(previousStageFile);
        using LabelMap labels = PredictOwned(image.DetachData(), image, previous, probabilitiesFile, cancellationToken);
        ReaderWriter.WriteSegmentation(outputFile, labels, image.Geometry);
    }

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
        long labelBytes = imageShape.Voxels * (Folder.Labels.MaxLabel < 255 ? sizeof(byte) : sizeof(ushort));
        long imageBytes = Folder.Dataset.ChannelNames.Count * imageShape.Voxels * sizeof(float);
        return predictor.Plan(network, folds, withProbabilities, imageBytes, labelBytes);
    }

    public void Dispose()
    {
        foreach (OrtModel fold in folds)
        {
            fold.Dispose();
        }
    }

    private LabelMap PredictOwned(VolumeBuffer<float> data, ImageVolume image, VolumeBuffer<short>? previousStage, string? probabilitiesPath, CancellationToken cancellationToken)
    {
        if (Inference.MemoryBudgetGb > 0)
        {
            // Refuse before preprocessing rather than after: the plan depends only on the shapes.
            try
            {
                PlanMemory(data.Shape, image.Spacing, probabilitiesPath is not null);
            }
            catch
            {
                data.Dispose();
                throw;
            }
        }

        using PreprocessedCase preprocessed = reader.Preprocess(data, image, previousStage);
        ExportPlan plan = CaseExportPlan.Create(Folder, preprocessed.Properties, preprocessed.Data.Shape);
        cancellationToken.ThrowIfCancellationRequested();
        lock (predictionLock)
        {
            if (probabilitiesPath is not null)
            {
                using var collector = new LogitVolumeSink();
                predictor.Predict(preprocessed.Data, folds, collector, cancellationToken);
                using VolumeBuffer<Half> logits = collector.TakeVolume();
                ProbabilityWriter.Write(probabilitiesPath, logits, plan, preprocessed.Properties.WriteJson());
                return SegmentationExport.Export(logits, plan);
            }

            using var exporter = new SegmentationExporter(plan);
            predictor.Predict(preprocessed.Data, folds, exporter, cancellationToken);
            return exporter.DetachLabels();
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
}
