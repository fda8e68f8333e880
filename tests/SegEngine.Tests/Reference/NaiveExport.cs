using SegEngine.Export;

namespace SegEngine.Tests.Reference;

/// <summary>
/// The export as nnU-Net materialises it (nnunet-parity.md §3.5, §5): every class resampled at full resolution in float64 with
/// skimage's clip, stored to fp16, then argmax / regions, uncrop and transpose_backward. Slow on purpose.
/// </summary>
internal static class NaiveExport
{
    public static int[] Labels(Half[] logits, ExportPlan plan, bool clip = true)
    {
        Half[] resampled = Resample(logits, plan, clip);
        Shape3 crop = plan.ShapeAfterCropping;
        long voxels = crop.Voxels;
        var seg = new int[voxels];
        for (long v = 0; v < voxels; v++)
        {
            if (plan.RegionsClassOrder is int[] order)
            {
                for (int k = 0; k < plan.HeadCount; k++)
                {
                    // float32 sigmoid > 0.5 holds exactly for fp16 values above 2^-24 (fixture sigmoid_on.npy).
                    if ((float)resampled[(k * voxels) + v] > 5.9604645E-08f)
                    {
                        seg[v] = order[k];
                    }
                }
            }
            else
            {
                int best = 0;
                for (int k = 1; k < plan.HeadCount; k++)
                {
                    if ((float)resampled[(k * voxels) + v] > (float)resampled[(best * voxels) + v])
                    {
                        best = k;
                    }
                }

                seg[v] = best;
            }
        }

        return UncropAndTranspose(seg, plan);
    }

    public static int[] UncropAndTranspose(int[] seg, ExportPlan plan)
    {
        Shape3 full = plan.ShapeBeforeCropping;
        Shape3 crop = plan.ShapeAfterCropping;
        var transposed = new int[full.Voxels];
        for (int z = 0; z < crop.Z; z++)
        {
            for (int y = 0; y < crop.Y; y++)
            {
                for (int x = 0; x < crop.X; x++)
                {
                    int tz = z + plan.BoundingBox[0].Start, ty = y + plan.BoundingBox[1].Start, tx = x + plan.BoundingBox[2].Start;
                    transposed[(((long)tz * full.Y) + ty) * full.X + tx] = seg[(((long)z * crop.Y) + y) * crop.X + x];
                }
            }
        }

        // numpy transpose(tb): original index b has b[i] = t[tb[i]].
        int[] tb = plan.TransposeBackward;
        Shape3 original = plan.OriginalShape;
        var result = new int[full.Voxels];
        Span<int> b = stackalloc int[3];
        Span<int> t = stackalloc int[3];
        for (t[0] = 0; t[0] < full.Z; t[0]++)
        {
            for (t[1] = 0; t[1] < full.Y; t[1]++)
            {
                for (t[2] = 0; t[2] < full.X; t[2]++)
                {
                    for (int i = 0; i < 3; i++)
                    {
                        b[i] = t[tb[i]];
                    }

                    result[(((long)b[0] * original.Y) + b[1]) * original.X + b[2]] =
                        transposed[(((long)t[0] * full.Y) + t[1]) * full.X + t[2]];
                }
            }
        }

        return result;
    }

    /// <summary>nnU-Net <c>resample_data_or_seg</c> for fp16 logits, order 1, order_z 0; returns (K, crop) fp16.</summary>
    public static Half[] Resample(Half[] logits, ExportPlan plan, bool clip = true)
    {
        Shape3 input = plan.PreprocessedShape;
        Shape3 output = plan.ShapeAfterCropping;
        if (input == output)
        {
            return (Half[])logits.Clone();
        }

        int? axis = NaiveSeparateZ(plan);
        var result = new Half[plan.HeadCount * output.Voxels];
        for (int k = 0; k < plan.HeadCount; k++)
        {
            double[] channel = new double[input.Voxels];
            for (long v = 0; v < input.Voxels; v++)
            {
                channel[v] = (double)logits[(k * input.Voxels) + v];
            }

            double[] resized = axis is int a ? SeparateZ(channel, input, output, a, clip) : Resize(channel, input.ToArray(), output.ToArray(), clip);
            for (long v = 0; v < output.Voxels; v++)
            {
                result[(k * output.Voxels) + v] = (Half)resized[v];
            }
        }

        return result;
    }

    /// <summary>get_do_separate_z / get_lowres_axis written out from the contract text.</summary>
    public static int? NaiveSeparateZ(ExportPlan plan)
    {
        double[]? source = null;
        if (plan.Resampling.ForceSeparateZ == true)
        {
            source = plan.CurrentSpacing;
        }
        else if (plan.Resampling.ForceSeparateZ is null)
        {
            if (plan.CurrentSpacing.Max() / plan.CurrentSpacing.Min() > 3)
            {
                source = plan.CurrentSpacing;
            }
            else if (plan.NewSpacing.Max() / plan.NewSpacing.Min() > 3)
            {
                source = plan.NewSpacing;
            }
        }

        if (source is null)
        {
            return null;
        }

        int[] axes = Enumerable.Range(0, 3).Where(i => source.Max() / source[i] == 1.0).ToArray();
        return axes.Length == 1 ? axes[0] : null;
    }

    /// <summary>skimage resize(order 1, mode edge, clip) of an N-D float64 array (N = 2 or 3), nnunet-parity.md §3.5.</summary>
    public static double[] Resize(double[] data, int[] inShape, int[] outShape, bool clip)
    {
        int n = inShape.Length;
        var taps = new (int Lo, int Hi, double W0, double W1)[n][];
        for (int d = 0; d < n; d++)
        {
            taps[d] = new (int, int, double, double)[outShape[d]];
            double zoom = (double)inShape[d] / outShape[d];
            for (int o = 0; o < outShape[d]; o++)
            {
                double cc = (o + 0.5) * zoom - 0.5;
                double start = Math.Floor(cc);
                double w0 = 1.0 - (cc - start);
                double w1 = 1.0 - w0;
                taps[d][o] = ((int)Math.Clamp(start, 0, inShape[d] - 1), (int)Math.Clamp(start + 1, 0, inShape[d] - 1), w0, w1);
            }
        }

        double min = data.Min(), max = data.Max();
        long total = outShape.Aggregate(1L, (a, b) => a * b);
        var result = new double[total];
        var o3 = new int[n];
        for (long v = 0; v < total; v++)
        {
            long rest = v;
            for (int d = n - 1; d >= 0; d--)
            {
                o3[d] = (int)(rest % outShape[d]);
                rest /= outShape[d];
            }

            double t = 0.0;
            for (int tap = 0; tap < 1 << n; tap++)
            {
                long index = 0;
                double value = 0;
                for (int d = 0; d < n; d++)
                {
                    int bit = (tap >> (n - 1 - d)) & 1;
                    var (lo, hi, w0, w1) = taps[d][o3[d]];
                    index = index * inShape[d] + (bit == 0 ? lo : hi);
                }

                value = data[index];
                for (int d = 0; d < n; d++)
                {
                    int bit = (tap >> (n - 1 - d)) & 1;
                    value *= bit == 0 ? taps[d][o3[d]].W0 : taps[d][o3[d]].W1;
                }

                t += value;
            }

            result[v] = clip ? Math.Clamp(t, min, max) : t;
        }

        return result;
    }

    /// <summary>Separate-z: 2-D resize of every slice along the axis, then map_coordinates order 0 along it.</summary>
    private static double[] SeparateZ(double[] channel, Shape3 input, Shape3 output, int axis, bool clip)
    {
        int[] inShape = input.ToArray();
        int[] outShape = output.ToArray();
        int[] plane = Enumerable.Range(0, 3).Where(d => d != axis).ToArray();
        int[] inPlane = [inShape[plane[0]], inShape[plane[1]]];
        int[] outPlane = [outShape[plane[0]], outShape[plane[1]]];
        var stacked = new double[inShape[axis]][];
        var index = new int[3];
        for (int s = 0; s < inShape[axis]; s++)
        {
            var slice = new double[inPlane[0] * inPlane[1]];
            for (int i = 0; i < inPlane[0]; i++)
            {
                for (int j = 0; j < inPlane[1]; j++)
                {
                    index[axis] = s;
                    index[plane[0]] = i;
                    index[plane[1]] = j;
                    slice[i * inPlane[1] + j] = channel[((long)index[0] * inShape[1] + index[1]) * inShape[2] + index[2]];
                }
            }

            stacked[s] = Resize(slice, inPlane, outPlane, clip);
        }

        var result = new double[output.Voxels];
        double scale = (double)inShape[axis] / outShape[axis];
        for (int z = 0; z < outShape[0]; z++)
        {
            for (int y = 0; y < outShape[1]; y++)
            {
                for (int x = 0; x < outShape[2]; x++)
                {
                    int[] o = [z, y, x];
                    int source = o[axis];
                    if (inShape[axis] != outShape[axis])
                    {
                        double coord = scale * (o[axis] + 0.5) - 0.5;
                        source = (int)Math.Clamp(Math.Floor(coord + 0.5), 0, inShape[axis] - 1);
                    }

                    result[((long)z * outShape[1] + y) * outShape[2] + x] = stacked[source][o[plane[0]] * outPlane[1] + o[plane[1]]];
                }
            }
        }

        return result;
    }
}
