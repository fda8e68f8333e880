using System.Diagnostics;
using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;

namespace SegEngine.Pipeline;

/// <summary>
/// A trained nnU-Net model ready to segment: the model folder, one ONNX Runtime session per fold, and the stages
/// read → preprocess → slide → aggregate → export → write. Load once, predict many cases.
/// </summary>
/// <remarks>
/// Predictions on one instance run one at a time (the sessions and the sliding-window buffers are shared); the
/// stages themselves use every core. Every prediction runs the one stage sequence of <see cref="CasePipeline"/>.
/// </remarks>
public sealed class SegModel : IDisposable
{
    private readonly LoadedModel loaded;

    private SegModel(LoadedModel loaded, string modelDirectory, double loadSeconds)
    {
        this.loaded = loaded;
        ModelDirectory = modelDirectory;
        LoadSeconds = loadSeconds;
        Pipeline = new CasePipeline(loaded);
    }

    /// <summary>The configuration in use, e.g. <c>3d_fullres</c>.</summary>
    public string ConfigurationName => Folder.Configuration.Name;

    /// <summary>The image channels a case must have (dataset.json <c>channel_names</c>).</summary>
    public IReadOnlyList<string> ChannelNames => Folder.Dataset.ChannelNames;

    /// <summary>The file ending of inputs and outputs (dataset.json <c>file_ending</c>), e.g. <c>.nii.gz</c>.</summary>
    public string FileEnding => Folder.Dataset.FileEnding;

    /// <summary>The inference settings in effect, with the model's mirroring axes filled in.</summary>
    public InferenceOptions Inference => loaded.Inference;

    /// <summary>The reader/writer the plans name (or dataset.json overrides); inputs are read and outputs written with it.</summary>
    public IImageReaderWriter ReaderWriter => loaded.Reader.ReaderWriter;

    /// <summary>Where the network runs after any fallback.</summary>
    public InferenceDevice Device => loaded.Device;

    /// <summary>Time spent inside ONNX Runtime's <c>Run</c> over every fold since loading.</summary>
    public TimeSpan NetworkTime => loaded.NetworkTime;

    /// <summary>The model folder: plans, dataset, labels, folds.</summary>
    internal ModelFolder Folder => loaded.Folder;

    /// <summary>The folder <see cref="Load"/> was given (a model folder or a dataset folder holding it).</summary>
    internal string ModelDirectory { get; }

    /// <summary>Seconds <see cref="Load"/> took: reading the folder, opening and warming up every fold's session.</summary>
    internal double LoadSeconds { get; }

    /// <summary>The stage sequence every prediction of this model runs.</summary>
    internal CasePipeline Pipeline { get; }

    /// <summary>Bytes per voxel of the label maps this model produces: 1 (uint8), or 2 (uint16) for labels of 255 and above.</summary>
    internal int LabelBytesPerVoxel => loaded.LabelBytesPerVoxel;

    /// <summary>ORT working memory already made resident by the arena prefaults, which a plan made before the first tile still counts in full.</summary>
    internal long PrefaultedBytes => loaded.PrefaultedBytes;

    /// <summary>
    /// Loads a model folder (or the matching one in a dataset folder) and opens one session per fold. A fold that has only
    /// its checkpoint is converted to ONNX first, and the result kept beside the checkpoint for the next load.
    /// </summary>
    /// <exception cref="SegEngineException">A file is missing or inconsistent; the message names it.</exception>
    public static SegModel Load(string modelDirectory, SegModelOptions? options = null)
    {
        long start = Stopwatch.GetTimestamp();
        LoadedModel loaded = LoadedModel.Open(modelDirectory, options ?? new SegModelOptions());
        return new SegModel(loaded, modelDirectory, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Reads a case's channel files (one per channel, in channel order) with the model's reader and checks the channel count.</summary>
    public ImageVolume ReadImage(IReadOnlyList<string> channelFiles) => loaded.Reader.ReadImage(channelFiles);

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
    public LabelMap Predict(ImageVolume image, IProgress<SegProgress>? progress, CancellationToken cancellationToken = default) =>
        Pipeline.PredictImage(Copy(image), new CaseContext(progress, cancellationToken));

    /// <summary>
    /// As <see cref="Predict(ImageVolume, CancellationToken)"/>, with nnU-Net's probabilities beside the labels: float32
    /// (K, z, y, x) in the image's array order, equal bit for bit to what <see cref="PredictFile(IReadOnlyList{string}, string, string?, string?, CancellationToken)"/>
    /// writes to its <c>.npz</c>. The plan counts them (<see cref="ProbabilityOutput.Memory"/>); the caller disposes the result.
    /// </summary>
    public PredictionWithProbabilities PredictWithProbabilities(ImageVolume image, CancellationToken cancellationToken = default) =>
        Pipeline.PredictImageWithProbabilities(Copy(image), new CaseContext(progress: null, cancellationToken));

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
        var context = new CaseContext(progress, cancellationToken);
        Pipeline.PredictFile(channelFiles, outputFile, probabilitiesFile, previousStageFile, context);
        return context.Timings;
    }

    /// <summary>
    /// The memory plan of one case before any work starts, for an image of <paramref name="imageShape"/> (z, y, x in
    /// the reader's array order) and <paramref name="spacing"/> (same order): the image, its preprocessed volume on the
    /// target grid (uncropped, so an upper bound), the inference buffers, the label map, and what the
    /// <paramref name="probabilities"/> need.
    /// </summary>
    /// <exception cref="SegEngineException">The plan exceeds <see cref="InferenceOptions.MemoryBudgetGb"/> at every batch size.</exception>
    public MemoryPlan PlanMemory(Shape3 imageShape, IReadOnlyList<double> spacing, ProbabilityOutput probabilities = ProbabilityOutput.None) =>
        CaseMemoryPlanner.Plan(loaded, imageShape, spacing, probabilities);

    public void Dispose() => loaded.Dispose();

    /// <summary>Sliding-window tiles of one fold and one mirror pass for a preprocessed shape.</summary>
    internal int TileCount(Shape3 preprocessedShape) => loaded.TileCount(preprocessedShape);

    /// <summary>
    /// Segments an image handed over in memory: <paramref name="voxels"/> (C, z, y, x; x fastest, copied) with its
    /// <paramref name="spacing"/> (z, y, x) and optional NIfTI-style <paramref name="affine"/> (see <see cref="ImageGeometry.FromAffine"/>).
    /// </summary>
    internal LabelMap PredictVoxels(
        ReadOnlySpan<float> voxels, int channels, Shape3 shape, IReadOnlyList<double> spacing, IReadOnlyList<double>? affine,
        IProgress<SegProgress>? progress, CancellationToken cancellationToken)
    {
        const string Source = "(image in memory)";
        ChannelChecks.CountMatches(Source, "image", channels, ChannelNames);
        if (voxels.Length != channels * shape.Voxels)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{Source}: {channels} channel(s) of {shape} need {channels * shape.Voxels} voxels, got {voxels.Length}");
        }

        VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(channels, shape);
        voxels.CopyTo(data.Span);
        return PredictBuffer(data, spacing, affine, new CaseContext(progress, cancellationToken));
    }

    /// <summary>
    /// As <see cref="PredictVoxels"/> for voxels already in an engine buffer, which it takes over (a server decodes a
    /// request straight into one); <paramref name="context"/> collects the stage timings.
    /// </summary>
    internal LabelMap PredictBuffer(VolumeBuffer<float> data, IReadOnlyList<double> spacing, IReadOnlyList<double>? affine, CaseContext context) =>
        Pipeline.PredictImage(ImageInMemory(data, spacing, affine), context);

    /// <summary>As <see cref="PredictBuffer"/>, with the probabilities of <see cref="PredictWithProbabilities"/>.</summary>
    internal PredictionWithProbabilities PredictBufferWithProbabilities(
        VolumeBuffer<float> data, IReadOnlyList<double> spacing, IReadOnlyList<double>? affine, CaseContext context) =>
        Pipeline.PredictImageWithProbabilities(ImageInMemory(data, spacing, affine), context);

    /// <summary>An image around <paramref name="data"/> (taken over, released if refused) with the geometry the spacing and affine give.</summary>
    private ImageVolume ImageInMemory(VolumeBuffer<float> data, IReadOnlyList<double> spacing, IReadOnlyList<double>? affine)
    {
        const string Source = "(image in memory)";
        ImageGeometry geometry;
        try
        {
            ChannelChecks.CountMatches(Source, "image", data.Channels, ChannelNames);
            geometry = ImageGeometry.FromAffine(ReaderWriter.Name, data.Shape, spacing, affine, Source);
        }
        catch
        {
            data.Dispose();
            throw;
        }

        return new ImageVolume(data, [.. spacing], geometry, [Source]);
    }

    /// <summary>A copy the pipeline may take over; the caller keeps <paramref name="image"/>.</summary>
    private static ImageVolume Copy(ImageVolume image)
    {
        ArgumentNullException.ThrowIfNull(image);
        VolumeBuffer<float> copy = VolumeBuffer<float>.Allocate(image.Data.Channels, image.Data.Shape);
        image.Data.Span.CopyTo(copy.Span);
        return new ImageVolume(copy, image.Spacing, image.Geometry, image.SourcePaths);
    }
}
