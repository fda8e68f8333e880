namespace SegEngine.Export;

/// <summary>Whole-array entry points over <see cref="SegmentationExporter"/>.</summary>
/// <remarks>nnU-Net <c>convert_predicted_logits_to_segmentation_with_correct_shape</c>, nnunet-parity.md §5.</remarks>
internal static class SegmentationExport
{
    /// <summary>Exports logits (K, preprocessed shape) into a new label map in the original array order.</summary>
    public static LabelMap Export(VolumeBuffer<Half> logits, ExportPlan plan)
    {
        ArgumentNullException.ThrowIfNull(logits);
        using var exporter = new SegmentationExporter(plan);
        exporter.Begin(logits.Channels, logits.Shape);
        exporter.Accept(0, logits.Shape.Z, logits.Span);
        exporter.Complete();
        return exporter.DetachLabels();
    }

    /// <summary>Fills a caller's uint8 buffer (original array order); the plan's largest label must be below 255.</summary>
    public static void Export(VolumeBuffer<Half> logits, ExportPlan plan, Span<byte> labels)
    {
        using LabelMap map = Export(logits, plan);
        if (map.IsUInt16)
        {
            throw new ArgumentException($"the largest label is {plan.MaxLabel}: pass a ushort buffer", nameof(labels));
        }

        CheckLength(labels.Length, map.Shape);
        map.Bytes.CopyTo(labels);
    }

    /// <summary>Fills a caller's uint16 buffer (original array order); the plan's largest label must be 255 or more.</summary>
    public static void Export(VolumeBuffer<Half> logits, ExportPlan plan, Span<ushort> labels)
    {
        using LabelMap map = Export(logits, plan);
        if (!map.IsUInt16)
        {
            throw new ArgumentException($"the largest label is {plan.MaxLabel}: nnU-Net writes uint8, pass a byte buffer", nameof(labels));
        }

        CheckLength(labels.Length, map.Shape);
        map.UInt16.CopyTo(labels);
    }

    private static void CheckLength(int length, Shape3 shape)
    {
        if (length != shape.Voxels)
        {
            throw new ArgumentException($"the label buffer holds {length} voxels, the original image {shape} has {shape.Voxels}", "labels");
        }
    }
}
