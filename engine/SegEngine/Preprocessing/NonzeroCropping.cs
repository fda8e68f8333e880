namespace SegEngine.Preprocessing;

/// <summary>nnU-Net's <c>crop_to_nonzero</c>: crop every channel to the bounding box of the hole-filled nonzero mask.</summary>
/// <remarks>
/// <c>preprocessing/cropping/cropping.py</c> (<c>create_nonzero_mask</c>, <c>crop_to_nonzero</c>) and acvl_utils
/// <c>get_bbox_from_mask</c>; nnunet-parity.md §3.2. Runs on the transposed data.
/// </remarks>
internal static class NonzeroCropping
{
    /// <summary>
    /// Builds the mask (any channel != 0, NaN counting as nonzero), fills its holes, finds the half-open box (the full
    /// extent when the mask is empty) and crops. Takes ownership of <paramref name="data"/>: it is either returned
    /// inside the result (no crop needed) or disposed after copying.
    /// </summary>
    public static CroppedCase CropToNonzero(VolumeBuffer<float> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Shape3 shape = data.Shape;
        VolumeBuffer<byte> mask = VolumeBuffer<byte>.Allocate(1, shape);
        try
        {
            MarkNonzero(data, mask);
            HoleFilling.FillHoles(mask.Span, shape);
            BoundingBox box = FindBoundingBox(mask.Span, shape);
            if (box.Covers(shape))
            {
                return new CroppedCase(data, mask, box, shape);
            }

            VolumeBuffer<float> cropped = Crop(data, box);
            VolumeBuffer<byte> croppedMask;
            try
            {
                croppedMask = Crop(mask, box);
            }
            catch
            {
                cropped.Dispose();
                throw;
            }

            mask.Dispose();
            data.Dispose();
            return new CroppedCase(cropped, croppedMask, box, shape);
        }
        catch
        {
            mask.Dispose();
            throw;
        }
    }

    /// <summary>Copies the box out of every channel of <paramref name="volume"/> into a new buffer the caller owns.</summary>
    public static VolumeBuffer<T> Crop<T>(VolumeBuffer<T> volume, BoundingBox box)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(volume);
        Shape3 shape = volume.Shape;
        if (!box.FitsIn(shape))
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"bounding box {box} does not fit in a volume of {shape}");
        }

        Shape3 outputShape = box.Shape;
        VolumeBuffer<T> result = VolumeBuffer<T>.Allocate(volume.Channels, outputShape);
        for (int c = 0; c < volume.Channels; c++)
        {
            ReadOnlySpan<T> source = volume.Channel(c);
            Span<T> target = result.Channel(c);
            for (int z = 0; z < outputShape.Z; z++)
            {
                for (int y = 0; y < outputShape.Y; y++)
                {
                    int from = ((((box.Z0 + z) * shape.Y) + box.Y0 + y) * shape.X) + box.X0;
                    int to = ((z * outputShape.Y) + y) * outputShape.X;
                    source.Slice(from, outputShape.X).CopyTo(target.Slice(to, outputShape.X));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The per-axis first and last index holding a nonzero voxel, half-open; the full extent for an empty mask.
    /// </summary>
    internal static BoundingBox FindBoundingBox(ReadOnlySpan<byte> mask, Shape3 shape)
    {
        int z0 = int.MaxValue, z1 = -1, y0 = int.MaxValue, y1 = -1, x0 = int.MaxValue, x1 = -1;
        for (int z = 0; z < shape.Z; z++)
        {
            for (int y = 0; y < shape.Y; y++)
            {
                ReadOnlySpan<byte> row = mask.Slice(((z * shape.Y) + y) * shape.X, shape.X);
                int first = row.IndexOfAnyExcept((byte)0);
                if (first < 0)
                {
                    continue;
                }

                int last = row.LastIndexOfAnyExcept((byte)0);
                z0 = Math.Min(z0, z);
                z1 = z;
                y0 = Math.Min(y0, y);
                y1 = Math.Max(y1, y);
                x0 = Math.Min(x0, first);
                x1 = Math.Max(x1, last);
            }
        }

        return z1 < 0 ? BoundingBox.Full(shape) : new BoundingBox(z0, z1 + 1, y0, y1 + 1, x0, x1 + 1);
    }

    private static void MarkNonzero(VolumeBuffer<float> data, VolumeBuffer<byte> mask)
    {
        Shape3 shape = data.Shape;
        int sliceLength = shape.Y * shape.X;
        Parallel.For(0, shape.Z, z =>
        {
            Span<byte> target = mask.Span.Slice(z * sliceLength, sliceLength);
            for (int c = 0; c < data.Channels; c++)
            {
                ReadOnlySpan<float> source = data.Channel(c).Slice(z * sliceLength, sliceLength);
                for (int i = 0; i < source.Length; i++)
                {
                    // NaN != 0 holds, as in NumPy's data != 0.
                    if (source[i] != 0f)
                    {
                        target[i] = 1;
                    }
                }
            }
        });
    }
}
