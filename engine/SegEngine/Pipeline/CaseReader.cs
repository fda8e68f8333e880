using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Preprocessing;

namespace SegEngine.Pipeline;

/// <summary>
/// The read and preprocess stages for one model: reads a case with the model's reader, checks it against the model
/// and turns it into the network input. Needs no network, so <c>segengine preprocess</c> runs without ONNX Runtime.
/// </summary>
internal sealed class CaseReader
{
    private readonly ModelFolder folder;
    private readonly Preprocessor preprocessor;

    public CaseReader(ModelFolder folder)
    {
        this.folder = folder;
        ReaderWriter = ReaderWriterOf(folder);
        preprocessor = new Preprocessor(folder.Plans, folder.Configuration, folder.Labels);
    }

    public IImageReaderWriter ReaderWriter { get; }

    /// <summary>
    /// The reader/writer the model's cases are read and its segmentations written with: the plans' choice. dataset.json's
    /// <c>overwrite_image_reader_writer</c> only steers nnU-Net's planning, never its inference (nnunet-parity.md §1.2).
    /// </summary>
    public static IImageReaderWriter ReaderWriterOf(ModelFolder folder) => ImageReaderWriters.Create(folder.Plans.ImageReaderWriter);

    /// <summary>Reads a case's channel files (one per channel, in channel order) and checks the channel count.</summary>
    public ImageVolume ReadImage(IReadOnlyList<string> channelFiles)
    {
        ArgumentNullException.ThrowIfNull(channelFiles);
        ImageVolume image = ReaderWriter.Read(channelFiles);
        try
        {
            ChannelChecks.CountMatches(channelFiles[0], "case", image.Data.Channels, folder.Dataset.ChannelNames);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Reads and preprocesses a case as nnU-Net's preprocessor would.</summary>
    public PreprocessedCase Preprocess(IReadOnlyList<string> channelFiles, string? previousStageFile = null)
    {
        using ImageVolume image = ReadImage(channelFiles);
        using VolumeBuffer<short>? previous = previousStageFile is null ? null : ReadPreviousStage(previousStageFile);
        return Preprocess(image.DetachData(), image, previous);
    }

    /// <summary>Preprocesses <paramref name="data"/> (taken over) with the metadata of <paramref name="image"/>.</summary>
    public PreprocessedCase Preprocess(VolumeBuffer<float> data, ImageVolume image, VolumeBuffer<short>? previousStage) =>
        preprocessor.Run(data, image.Spacing, image.Geometry, previousStage, image.SourcePaths[0]);

    /// <summary>Reads a previous stage's label map (one channel, integer labels) with the model's reader.</summary>
    public VolumeBuffer<short> ReadPreviousStage(string path)
    {
        using ImageVolume volume = ReaderWriter.Read([path]);
        ReadOnlySpan<float> values = volume.Data.Span;
        if (volume.Data.Channels != 1)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: a previous-stage segmentation has one channel, this file has {volume.Data.Channels}");
        }

        VolumeBuffer<short> labels = VolumeBuffer<short>.Allocate(1, volume.Data.Shape);
        Span<short> target = labels.Span;
        for (int i = 0; i < values.Length; i++)
        {
            float value = values[i];
            if (value != MathF.Floor(value) || value < 0 || value > short.MaxValue)
            {
                labels.Dispose();
                throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: voxel {i} holds {value}, not a label in [0, {short.MaxValue}]");
            }

            target[i] = (short)value;
        }

        return labels;
    }
}
