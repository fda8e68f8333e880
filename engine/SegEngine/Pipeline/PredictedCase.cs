using SegEngine.Export;
using SegEngine.Io;

namespace SegEngine.Pipeline;

/// <summary>
/// A case after the network: its label map when the export ran fused into the sliding window, or its whole fp16 logits
/// (with the properties the <c>.npz</c> needs) when probabilities are wanted, since their export needs every class at once.
/// </summary>
internal sealed class PredictedCase(ImageVolume image, ExportPlan plan, LabelMap? labels, VolumeBuffer<Half>? logits, string? propertiesJson) : IDisposable
{
    public ImageVolume Image { get; } = image;

    public ExportPlan Plan { get; } = plan;

    public LabelMap? Labels { get; private set; } = labels;

    public VolumeBuffer<Half>? Logits { get; } = logits;

    /// <summary>The preprocessing properties as JSON, kept only with the logits.</summary>
    public string? PropertiesJson { get; } = propertiesJson;

    /// <summary>Hands the label map over; null when only logits are held.</summary>
    public LabelMap? TakeLabels()
    {
        LabelMap? taken = Labels;
        Labels = null;
        return taken;
    }

    public void Dispose()
    {
        Labels?.Dispose();
        Logits?.Dispose();
        Image.Dispose();
    }
}
