using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Preprocessing;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Pipeline;

/// <summary>
/// The export stage alone: a case's logits computed elsewhere (nnU-Net's predictor, an ensemble made outside) and its
/// properties become the segmentation, written with the model's reader/writer and the geometry the properties keep.
/// Needs no network and no input image.
/// </summary>
/// <remarks>
/// nnU-Net <c>export_prediction_from_logits</c> (nnunet-parity.md §5); the geometry comes from <c>nibabel_stuff</c> or
/// <c>sitk_stuff</c> (nnunet-parity.md §2), see <see cref="PreprocessingProperties.Geometry"/>.
/// </remarks>
internal static class LogitsExport
{
    /// <summary>
    /// Exports <paramref name="logitsPath"/> (.npy, (K, z, y, x)) with <paramref name="propertiesPath"/> into
    /// <paramref name="outputFile"/>; with <paramref name="probabilitiesFile"/>, also nnU-Net's <c>.npz</c> and a
    /// properties <c>.json</c> beside it. Every input is checked before anything is written.
    /// </summary>
    public static void Run(ModelFolder folder, string logitsPath, string propertiesPath, string outputFile, string? probabilitiesFile)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentException.ThrowIfNullOrEmpty(outputFile);
        RequireFile(propertiesPath);
        RequireFile(logitsPath);
        PreprocessingProperties properties = PreprocessingProperties.ReadJsonFile(propertiesPath);
        IImageReaderWriter writer = CaseReader.ReaderWriterOf(folder);
        ImageGeometry geometry = properties.Geometry(writer.Name, folder.Plans.TransposeBackward, propertiesPath);
        geometry.EnsureWritable();
        using VolumeBuffer<Half> logits = ReadLogits(logitsPath, folder.Labels);
        CheckPreprocessedShape(logits.Shape, properties, folder, logitsPath, propertiesPath);
        ExportPlan plan = CaseExportPlan.Create(folder, properties, logits.Shape);

        if (probabilitiesFile is not null)
        {
            ProbabilityWriter.Write(probabilitiesFile, logits, plan, properties.WriteJson(), PropertiesFile.Beside(probabilitiesFile, writer.Name));
        }

        using LabelMap labels = SegmentationExport.Export(logits, plan);
        writer.WriteSegmentation(outputFile, labels, geometry);
    }

    /// <summary>
    /// Reads logits of shape (K, z, y, x): float16 as they are, float32 rounded to float16 (to nearest, ties to even, as
    /// NumPy's <c>astype(float16)</c>), since nnU-Net's export works on fp16 logits. K must be the model's head count.
    /// </summary>
    public static VolumeBuffer<Half> ReadLogits(string path, LabelManager labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        NpyArray array = Npy.Read(path);
        if (array.Type is not (NpyType.Float16 or NpyType.Float32))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{path}: logits must be float16 (or float32, rounded to float16); this array holds {array.Type}");
        }

        long[] dims = array.Shape;
        if (dims.Length != 4 || dims.Any(d => d < 1 || d > int.MaxValue))
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{path}: logits must be a 4-D array (K, z, y, x) with no empty axis; this one is ({string.Join(", ", dims)})");
        }

        if (dims[0] != labels.HeadCount)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{path}: the logits have {dims[0]} channels; the model has {labels.HeadCount} heads ({string.Join(", ", labels.HeadNames)})");
        }

        VolumeBuffer<Half> logits = VolumeBuffer<Half>.Allocate((int)dims[0], new Shape3((int)dims[1], (int)dims[2], (int)dims[3]));
        if (array.Type == NpyType.Float16)
        {
            array.As<Half>().CopyTo(logits.Span);
        }
        else
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(array.As<float>(), logits.Span);
        }

        return logits;
    }

    /// <summary>
    /// The logits must lie on the grid preprocessing made from these properties (nnunet-parity.md §3.3); nnU-Net would resample
    /// any grid silently, which turns logits paired with another case's properties into a plausible but wrong segmentation.
    /// </summary>
    private static void CheckPreprocessedShape(Shape3 shape, PreprocessingProperties properties, ModelFolder folder, string logitsPath, string propertiesPath)
    {
        double[] transposedSpacing = properties.TransposedSpacing(folder.Plans.TransposeForward);
        double[] targetSpacing = ResamplingPlan.TargetSpacing(transposedSpacing, folder.Configuration.Spacing);
        Shape3 expected = PlannedResampling.ResampledShape(folder.Configuration.ResamplingData, properties.ShapeAfterCroppingAndBeforeResampling, transposedSpacing, targetSpacing);
        if (shape != expected)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{logitsPath}: the logits' grid is {shape}, but {propertiesPath} with configuration '{folder.Configuration.Name}' gives a preprocessed grid of {expected}");
        }
    }

    private static void RequireFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: the file does not exist");
        }
    }
}
