using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Preprocessing;

namespace SegEngine.Pipeline;

/// <summary>
/// A case after read and preprocess: the image's metadata (its voxels are released), the network input, the export
/// plan, and whether the network must keep the whole logits (probabilities wanted).
/// </summary>
internal sealed class PreparedCase(ImageVolume image, PreprocessedCase preprocessed, ExportPlan plan, bool keepLogits) : IDisposable
{
    public ImageVolume Image { get; } = image;

    public PreprocessedCase Preprocessed { get; } = preprocessed;

    public ExportPlan Plan { get; } = plan;

    public bool KeepLogits { get; } = keepLogits;

    public void Dispose()
    {
        Preprocessed.Dispose();
        Image.Dispose();
    }
}
