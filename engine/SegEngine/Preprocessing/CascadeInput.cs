using System.Numerics;

namespace SegEngine.Preprocessing;

/// <summary>
/// The previous stage's segmentation as extra network input for a cascade's second stage.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.2 (cascade seg rule of <c>crop_to_nonzero</c>) and §3.6 (<c>convert_labelmap_to_one_hot</c>,
/// appended after the image channels by <c>inference/data_iterators.preprocess_fromfiles_save_to_queue</c>).
/// </remarks>
internal static class CascadeInput
{
    /// <summary>
    /// Crops the previous-stage label map (one channel, transposed like the image) with the image's box and sets
    /// the voxels that are 0 and outside the image's nonzero mask to −1. The caller owns the result.
    /// </summary>
    public static VolumeBuffer<T> CropPreviousStageSegmentation<T>(VolumeBuffer<T> previous, CroppedCase crop)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(crop);
        if (previous.Channels != 1 || previous.Shape != crop.ShapeBeforeCropping)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"the previous stage's segmentation is {previous.Channels} x {previous.Shape}, expected 1 x {crop.ShapeBeforeCropping} (the image's shape)");
        }

        VolumeBuffer<T> seg = NonzeroCropping.Crop(previous, crop.BoundingBox);
        Span<T> labels = seg.Span;
        ReadOnlySpan<byte> mask = crop.Mask.Span;
        T outside = -T.One;
        for (int i = 0; i < labels.Length; i++)
        {
            if (T.IsZero(labels[i]) && mask[i] == 0)
            {
                labels[i] = outside;
            }
        }

        return seg;
    }

    /// <summary>
    /// <c>convert_labelmap_to_one_hot(seg, foreground_labels)</c> appended after the image: returns a new buffer of
    /// C + L channels whose channel C + k is 1 where <paramref name="labels"/> equals
    /// <paramref name="foregroundLabels"/>[k] and 0 elsewhere (−1 and 0 give zeros). The caller owns the result.
    /// </summary>
    public static VolumeBuffer<float> AppendOneHot<T>(VolumeBuffer<float> image, VolumeBuffer<T> labels, IReadOnlyList<int> foregroundLabels)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(foregroundLabels);
        if (labels.Channels != 1 || labels.Shape != image.Shape)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"the resampled previous-stage segmentation is {labels.Channels} x {labels.Shape}, expected 1 x {image.Shape}");
        }

        VolumeBuffer<float> result = VolumeBuffer<float>.Allocate(image.Channels + foregroundLabels.Count, image.Shape);
        image.Span.CopyTo(result.Span);
        ReadOnlySpan<T> map = labels.Span;
        for (int k = 0; k < foregroundLabels.Count; k++)
        {
            double label = foregroundLabels[k];
            Span<float> channel = result.Channel(image.Channels + k);
            for (int i = 0; i < map.Length; i++)
            {
                if (double.CreateTruncating(map[i]) == label)
                {
                    channel[i] = 1f;
                }
            }
        }

        return result;
    }
}
