using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Io;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// <c>--save_probabilities</c>: writes nnU-Net's <c>.npz</c> (one float32 array <c>probabilities</c>, (K, z, y, x) in the
/// original array order) class by class into a deflated zip entry, and the case properties as JSON beside it.
/// </summary>
/// <remarks>
/// nnU-Net <c>export_prediction_from_logits</c> / <c>revert_cropping_on_probabilities</c>, nnunet-parity.md §5 steps 2 and 6:
/// float32 softmax over the fp16 resampled logits (max-subtract, exp, sum in class order, divide), or the sigmoid for
/// regions; outside the bounding box channel 0 is 1 for labels and every channel is 0 for regions.
/// Memory: two float32 values per cropped voxel (max and sum) and one original-order slice, whatever K is.
/// The exponential is .NET's <see cref="MathF.Exp"/>; torch uses SLEEF's vectorised expf, which differs in the last bit for
/// some inputs, so probabilities agree to about one float32 ulp rather than bit for bit.
/// </remarks>
internal static class ProbabilityWriter
{
    /// <summary>Writes <paramref name="npzPath"/> and, next to it, <paramref name="propertiesJson"/> as <c>.json</c>; both atomically.</summary>
    public static void Write(string npzPath, VolumeBuffer<Half> logits, ExportPlan plan, string propertiesJson)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        if (logits.Channels != plan.HeadCount || logits.Shape != plan.PreprocessedShape)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{npzPath}: the logits are {logits.Channels} x {logits.Shape}, the export plan expects {plan.HeadCount} x {plan.PreprocessedShape}");
        }

        var grid = plan.CreateResamplingGrid();
        Shape3 crop = plan.ShapeAfterCropping;
        using var max = MemoryOwnerOf(crop.Voxels);
        using var sum = MemoryOwnerOf(crop.Voxels);
        if (!plan.IsRegions)
        {
            Normalizers(logits, grid, plan, max.Memory, sum.Memory);
        }

        Shape3 original = plan.OriginalShape;
        float[] slice = ArrayPool<float>.Shared.Rent(original.Y * original.X);
        try
        {
            AtomicFile.Write(npzPath, file =>
            {
                using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
                ZipArchiveEntry npy = zip.CreateEntry("probabilities.npy", CompressionLevel.Optimal);

                // A fixed timestamp (the zip epoch) makes the file a function of the prediction alone, so reruns are byte-identical.
                npy.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using Stream entry = npy.Open();
                Npy.WriteHeader(entry, NpyType.Float32, [plan.HeadCount, original.Z, original.Y, original.X]);
                for (int k = 0; k < plan.HeadCount; k++)
                {
                    for (int z = 0; z < original.Z; z++)
                    {
                        FillSlice(logits, grid, plan, k, z, max.Memory, sum.Memory, slice);
                        entry.Write(MemoryMarshal.AsBytes(slice.AsSpan(0, original.Y * original.X)));
                    }
                }
            });
        }
        finally
        {
            ArrayPool<float>.Shared.Return(slice);
        }

        AtomicFile.WriteAllText(Path.ChangeExtension(npzPath, ".json"), propertiesJson);
    }

    /// <summary>
    /// The resampled fp16 logit of one class (<paramref name="channel"/>) at a cropped output voxel, as nnU-Net stores it:
    /// the order-1 float64 sum rounded directly to fp16 (the clip is a no-op, docs/fused-export.md).
    /// </summary>
    internal static Half Resampled(ReadOnlySpan<Half> channel, ResamplingGrid grid, int oz, int oy, int ox)
    {

        TrilinearStencil stencil = grid.StencilAt(oz, oy, ox);
        int plane = grid.InputShape.Y * grid.InputShape.X;
        return (Half)stencil.Sum(channel.Slice(stencil.LowSlice * plane, plane), channel.Slice(stencil.HighSlice * plane, plane));
    }

    /// <summary>
    /// The resampled logit of one class as nnU-Net holds it before the softmax: <see cref="Resampled"/>'s fp16 value, or
    /// for torch resampling the float32 value torch computes (<see cref="TorchStencil"/>).
    /// </summary>
    private static float Value(ReadOnlySpan<Half> channel, ResamplingGrid grid, int oz, int oy, int ox)
    {
        if (grid.Torch is not TorchLayout layout)
        {
            return (float)Resampled(channel, grid, oz, oy, ox);
        }

        var stencil = new TorchStencil(grid, layout, oz, oy, ox, stackalloc float[6]);
        int plane = grid.InputShape.Y * grid.InputShape.X;
        return stencil.Value(channel.Slice(stencil.LowSlice * plane, plane), channel.Slice(stencil.HighSlice * plane, plane));
    }

    private static MemoryOwner<float> MemoryOwnerOf(long length) => MemoryOwner<float>.Allocate((int)length);

    /// <summary>Per cropped voxel: the largest class logit and Σ exp(x_k − max) in class order (torch's softmax steps).</summary>
    private static void Normalizers(VolumeBuffer<Half> logits, ResamplingGrid grid, ExportPlan plan, Memory<float> max, Memory<float> sum)
    {
        Shape3 crop = plan.ShapeAfterCropping;
        Parallel.For(0, crop.Z * crop.Y, row =>
        {
            int oz = row / crop.Y, oy = row % crop.Y;
            Span<float> rowMax = max.Span.Slice(row * crop.X, crop.X);
            Span<float> rowSum = sum.Span.Slice(row * crop.X, crop.X);
            for (int ox = 0; ox < crop.X; ox++)
            {
                float m = float.NegativeInfinity;
                for (int k = 0; k < plan.HeadCount; k++)
                {
                    m = Math.Max(m, Value(logits.Channel(k), grid, oz, oy, ox));
                }

                float s = 0f;
                for (int k = 0; k < plan.HeadCount; k++)
                {
                    s += MathF.Exp(Value(logits.Channel(k), grid, oz, oy, ox) - m);
                }

                rowMax[ox] = m;
                rowSum[ox] = s;
            }
        });
    }

    /// <summary>One original-order slice of class <paramref name="k"/>'s probabilities.</summary>
    private static void FillSlice(VolumeBuffer<Half> logits, ResamplingGrid grid, ExportPlan plan, int k, int z, Memory<float> max, Memory<float> sum, float[] slice)
    {
        Shape3 original = plan.OriginalShape;
        Shape3 crop = plan.ShapeAfterCropping;
        float outside = !plan.IsRegions && k == 0 ? 1f : 0f;
        Parallel.For(0, original.Y, y =>
        {
            Span<int> b = stackalloc int[3];
            Span<int> t = stackalloc int[3];
            ReadOnlySpan<Half> channel = logits.Channel(k);
            for (int x = 0; x < original.X; x++)
            {
                b[0] = z;
                b[1] = y;
                b[2] = x;
                bool inside = true;
                for (int i = 0; i < 3; i++)
                {
                    int axis = plan.TransposeBackward[i];
                    t[axis] = b[i] - plan.BoundingBox[axis].Start;
                    inside &= t[axis] >= 0 && t[axis] < crop[axis];
                }

                float value = outside;
                if (inside)
                {
                    float logit = Value(channel, grid, t[0], t[1], t[2]);
                    if (plan.IsRegions)
                    {
                        value = 1f / (1f + MathF.Exp(-logit));
                    }
                    else
                    {
                        int voxel = (((t[0] * crop.Y) + t[1]) * crop.X) + t[2];
                        value = MathF.Exp(logit - max.Span[voxel]) / sum.Span[voxel];
                    }
                }

                slice[(y * original.X) + x] = value;
            }
        });
    }
}
