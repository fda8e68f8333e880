using SegEngine.Export;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Resampling;

namespace SegEngine.Tests.Reference;

/// <summary>
/// The export of a <c>resample_torch_fornnunet</c> model as nnU-Net materialises it: every class resampled to the
/// cropped grid in float32 (<see cref="TorchResampler"/>, checked against torch by fixtures), then the argmax over the
/// float32 values or the float32 sigmoid thresholds, uncrop and transpose_backward. Slow on purpose.
/// </summary>
internal static class NaiveTorchExport
{
    public static int[] Labels(Half[] logits, ExportPlan plan)
    {
        Shape3 input = plan.PreprocessedShape;
        Shape3 crop = plan.ShapeAfterCropping;
        long voxels = crop.Voxels;
        var resampled = new float[plan.HeadCount * voxels];
        var resampling = ResamplingPlan.Create(input, crop, plan.CurrentSpacing, plan.NewSpacing, plan.Resampling.ForceSeparateZ);
        TorchLayout layout = TorchLayout.OfContiguous(plan.HeadCount, input, resampling.LowResolutionAxis);
        for (int k = 0; k < plan.HeadCount; k++)
        {
            float[] channel = [.. logits.AsSpan((int)(k * input.Voxels), (int)input.Voxels).ToArray().Select(h => (float)h)];
            TorchResampler.ResampleData(channel, resampled.AsSpan((int)(k * voxels), (int)voxels), resampling, layout);
        }

        var seg = new int[voxels];
        for (long v = 0; v < voxels; v++)
        {
            if (plan.RegionsClassOrder is int[] order)
            {
                for (int k = 0; k < plan.HeadCount; k++)
                {
                    if (resampled[(k * voxels) + v] > RegionHead.Float32OnThreshold)
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
                    if (resampled[(k * voxels) + v] > resampled[(best * voxels) + v])
                    {
                        best = k;
                    }
                }

                seg[v] = best;
            }
        }

        return NaiveExport.UncropAndTranspose(seg, plan);
    }
}
