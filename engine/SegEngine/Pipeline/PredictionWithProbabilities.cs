using SegEngine.Export;
using SegEngine.Io;

namespace SegEngine.Pipeline;

/// <summary>A case's label map with nnU-Net's probabilities, both in the image's array order; disposing returns both buffers.</summary>
public sealed class PredictionWithProbabilities(LabelMap labels, VolumeBuffer<float> probabilities) : IDisposable
{
    /// <summary>The segmentation, as <see cref="SegModel.Predict(ImageVolume, CancellationToken)"/> returns it.</summary>
    public LabelMap Labels { get; } = labels;

    /// <summary>
    /// float32 (K, z, y, x): the values <c>--save_probabilities</c> writes to the <c>.npz</c>, bit for bit (softmax, or the
    /// sigmoid for regions, in the original geometry; K is the number of heads).
    /// </summary>
    public VolumeBuffer<float> Probabilities { get; } = probabilities;

    public void Dispose()
    {
        Labels.Dispose();
        Probabilities.Dispose();
    }
}
