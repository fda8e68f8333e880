using System.Numerics.Tensors;
using SegEngine.Export;
using SegEngine.Resampling;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// The export as nnU-Net does it, the baseline of the fused export: every class resampled at full resolution in float64
/// (skimage <c>resize</c>, order 1, clipped to the class's range), stored as fp16 for all K classes, then argmax, uncrop
/// and transpose_backward. Same arithmetic as the engine (nnunet-parity.md §3.5, §5), so the labels must agree exactly; unlike
/// tests/…/Reference/NaiveExport.cs it is written for speed (per-axis taps, parallel slices), so the ratio measures
/// materialising versus fusing, not a slow reference.
/// </summary>
internal static class MaterializingExport
{
    /// <summary>The uint8 label map in the original array order; only plain order-1 plans (no separate-z) with K ≤ 255.</summary>
    public static byte[] Labels(Half[] logits, ExportPlan plan)
    {
        Shape3 input = plan.PreprocessedShape;
        Shape3 crop = plan.ShapeAfterCropping;
        if (!plan.LabelsFitInBytes || plan.RegionsClassOrder is not null || plan.CreateResamplingGrid().LowResAxis is not null || !plan.Resamples)
        {
            throw new NotSupportedException("the materialising export covers label models resampled linearly on all three axes");
        }

        TapPairs<double>[] taps = [TapPairs.Linear(input.Z, crop.Z), TapPairs.Linear(input.Y, crop.Y), TapPairs.Linear(input.X, crop.X)];
        long inputVoxels = input.Voxels;
        long cropVoxels = crop.Voxels;
        var resampled = new Half[plan.HeadCount * cropVoxels];
        var channel = new double[inputVoxels];
        var resized = new double[cropVoxels];
        for (int k = 0; k < plan.HeadCount; k++)
        {
            for (long v = 0; v < inputVoxels; v++)
            {
                channel[v] = (double)logits[(k * inputVoxels) + v];
            }

            double min = TensorPrimitives.Min<double>(channel);
            double max = TensorPrimitives.Max<double>(channel);
            Parallel.For(0, crop.Z, oz => ResizeSlice(channel, input, taps, oz, min, max, resized.AsSpan((int)(oz * (long)crop.Y * crop.X), crop.Y * crop.X)));

            // NumPy's astype(float16): one direct double → half rounding.
            Span<Half> target = resampled.AsSpan((int)(k * cropVoxels), (int)cropVoxels);
            for (int v = 0; v < target.Length; v++)
            {
                target[v] = (Half)resized[v];
            }
        }

        var segmentation = new byte[cropVoxels];
        Parallel.For(0, crop.Z, z => Argmax(resampled, plan.HeadCount, cropVoxels, segmentation.AsSpan((int)(z * (long)crop.Y * crop.X), crop.Y * crop.X), z * (long)crop.Y * crop.X));
        return UncropAndTranspose(segmentation, plan);
    }

    /// <summary>One output slice of skimage's order-1 resize: taps lexicographic (x fastest), t += ((v·w_z)·w_y)·w_x, then the clip.</summary>
    private static void ResizeSlice(double[] channel, Shape3 input, TapPairs<double>[] taps, int oz, double min, double max, Span<double> slice)
    {
        (TapPairs<double> tz, TapPairs<double> ty, TapPairs<double> tx) = (taps[0], taps[1], taps[2]);
        long plane = (long)input.Y * input.X;
        long z0 = tz.Low[oz] * plane, z1 = tz.High[oz] * plane;
        double wz0 = tz.W0[oz], wz1 = tz.W1[oz];
        for (int oy = 0; oy < ty.OutputLength; oy++)
        {
            long y0 = ty.Low[oy] * (long)input.X, y1 = ty.High[oy] * (long)input.X;
            double wy0 = ty.W0[oy], wy1 = ty.W1[oy];
            for (int ox = 0; ox < tx.OutputLength; ox++)
            {
                int x0 = tx.Low[ox], x1 = tx.High[ox];
                double wx0 = tx.W0[ox], wx1 = tx.W1[ox];
                double t = 0.0;
                t += ((channel[z0 + y0 + x0] * wz0) * wy0) * wx0;
                t += ((channel[z0 + y0 + x1] * wz0) * wy0) * wx1;
                t += ((channel[z0 + y1 + x0] * wz0) * wy1) * wx0;
                t += ((channel[z0 + y1 + x1] * wz0) * wy1) * wx1;
                t += ((channel[z1 + y0 + x0] * wz1) * wy0) * wx0;
                t += ((channel[z1 + y0 + x1] * wz1) * wy0) * wx1;
                t += ((channel[z1 + y1 + x0] * wz1) * wy1) * wx0;
                t += ((channel[z1 + y1 + x1] * wz1) * wy1) * wx1;
                slice[(oy * tx.OutputLength) + ox] = Math.Clamp(t, min, max);
            }
        }
    }

    /// <summary>np.argmax over the class axis: the first class holding the largest value wins.</summary>
    private static void Argmax(Half[] resampled, int classes, long cropVoxels, Span<byte> labels, long start)
    {
        for (int v = 0; v < labels.Length; v++)
        {
            int best = 0;
            float bestValue = (float)resampled[start + v];
            for (int k = 1; k < classes; k++)
            {
                float value = (float)resampled[(k * cropVoxels) + start + v];
                if (value > bestValue)
                {
                    (best, bestValue) = (k, value);
                }
            }

            labels[v] = (byte)best;
        }
    }

    /// <summary>Places the crop at the bounding box of the full transposed grid and applies transpose_backward.</summary>
    private static byte[] UncropAndTranspose(byte[] segmentation, ExportPlan plan)
    {
        Shape3 crop = plan.ShapeAfterCropping;
        Shape3 original = plan.OriginalShape;
        long[] originalStride = [(long)original.Y * original.X, original.X, 1];
        var stride = new long[3];
        for (int i = 0; i < 3; i++)
        {
            stride[plan.TransposeBackward[i]] = originalStride[i];
        }

        var labels = new byte[original.Voxels];
        long origin = (plan.BoundingBox[0].Start * stride[0]) + (plan.BoundingBox[1].Start * stride[1]) + (plan.BoundingBox[2].Start * stride[2]);
        long source = 0;
        for (int z = 0; z < crop.Z; z++)
        {
            for (int y = 0; y < crop.Y; y++)
            {
                long target = origin + (z * stride[0]) + (y * stride[1]);
                for (int x = 0; x < crop.X; x++, target += stride[2])
                {
                    labels[target] = segmentation[source++];
                }
            }
        }

        return labels;
    }
}
