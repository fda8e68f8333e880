using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Io;
using SegEngine.Kernels;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// nnU-Net's probabilities of a case: float32, (K, z, y, x) in the original array order. <see cref="Write"/> puts them in
/// nnU-Net's <c>.npz</c> (one array <c>probabilities</c>, written class by class into a deflated zip entry) with the case
/// properties as JSON beside it (<c>--save_probabilities</c>); <see cref="Compute"/> hands them over in memory (a server's
/// <c>probabilities</c> output). Both come from the one slice loop, so they hold the same values bit for bit.
/// </summary>
/// <remarks>
/// nnU-Net <c>export_prediction_from_logits</c> / <c>revert_cropping_on_probabilities</c>, nnunet-parity.md §5 steps 2 and 6:
/// float32 softmax over the resampled logits (fp16 for SciPy-style resampling, torch's float32 for the torchres
/// functions) (max-subtract, exp, sum in class order, divide), or the sigmoid for
/// regions; outside the bounding box channel 0 is 1 for labels and every channel is 0 for regions.
/// Working memory (<see cref="PlannedWorkingBytes"/>): three float32 values per cropped voxel (max, sum and the class being
/// written) and one original-order slice, whatever K is. The resampled logits come from the export's vectorised tap sum
/// (<see cref="TrilinearStencil"/>, a row at a time) or torch's interpolation (<see cref="TorchStencil"/>), so they are the
/// very values the label export compares.
/// The exponential is .NET's <see cref="MathF.Exp"/>; torch uses SLEEF's vectorised expf, which differs in the last bit for
/// some inputs, so probabilities agree to about one float32 ulp rather than bit for bit.
/// </remarks>
internal static class ProbabilityWriter
{
    /// <summary>Writes <paramref name="npzPath"/> and <paramref name="propertiesJson"/> to <paramref name="propertiesPath"/> (<see cref="PropertiesFile.Beside"/>); both atomically.</summary>
    public static void Write(string npzPath, VolumeBuffer<Half> logits, ExportPlan plan, string propertiesJson, string propertiesPath)
    {
        Check(logits, plan, npzPath);
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
                Memory<float> target = slice.AsMemory(0, original.Y * original.X);
                Slices(logits, plan, (_, _) => target, () => entry.Write(MemoryMarshal.AsBytes(target.Span)));
            });
        }
        finally
        {
            ArrayPool<float>.Shared.Return(slice);
        }

        AtomicFile.WriteAllText(propertiesPath, propertiesJson);
    }

    /// <summary>The probabilities in memory, (K, z, y, x) as the <c>.npz</c> holds them; the caller disposes them.</summary>
    public static VolumeBuffer<float> Compute(VolumeBuffer<Half> logits, ExportPlan plan)
    {
        Check(logits, plan, "probabilities");
        Shape3 original = plan.OriginalShape;
        int sliceLength = original.Y * original.X;
        VolumeBuffer<float> probabilities = VolumeBuffer<float>.Allocate(plan.HeadCount, original);
        try
        {
            Slices(logits, plan, (k, z) => probabilities.Memory.Slice(((k * original.Z) + z) * sliceLength, sliceLength));
            return probabilities;
        }
        catch
        {
            probabilities.Dispose();
            throw;
        }
    }

    /// <summary>Bytes <see cref="Write"/> and <see cref="Compute"/> hold besides their output for a case of <paramref name="original"/> (its cropped grid is at most that).</summary>
    public static long PlannedWorkingBytes(Shape3 original) => ((3 * original.Voxels) + ((long)original.Y * original.X)) * sizeof(float);

    /// <summary>
    /// The resampled fp16 logits of one class (<paramref name="channel"/>) along cropped output row
    /// (<paramref name="oz"/>, <paramref name="oy"/>), as nnU-Net stores them and widened to float32: the order-1 float64
    /// sum rounded directly to fp16 (the clip is a no-op, docs/fused-export.md). <paramref name="row"/> holds a lane for
    /// every x (<see cref="AllOfRow"/>); <paramref name="scratch"/> at least 4 · input width + output width values, overwritten.
    /// </summary>
    internal static unsafe void ResampledRow(
        ReadOnlySpan<Half> channel, ResamplingGrid grid, TapLanes row, int oz, int oy, Span<float> destination, Span<double> scratch)
    {
        TrilinearStencil stencil = grid.StencilAt(oz, oy);
        Span<double> sums = scratch.Slice(4 * stencil.InputWidth, destination.Length);
        fixed (Half* values = channel)
        {
            stencil.Sum(SliceOf(values, grid, stencil.LowSlice), SliceOf(values, grid, stencil.HighSlice), 0, row, sums, scratch);
        }

        SegKernels.RoundToHalf(sums, destination);
    }

    /// <summary>
    /// The resampled logits of one class along a cropped output row as nnU-Net holds them before the softmax:
    /// <see cref="ResampledRow"/>'s fp16 values, or for torch resampling the float32 values torch computes.
    /// </summary>
    private static unsafe void ValueRow(
        ReadOnlySpan<Half> channel, ResamplingGrid grid, TapLanes row, int oz, int oy, Span<float> destination, Span<double> scratch)
    {
        if (grid.Torch is not TorchLayout layout)
        {
            ResampledRow(channel, grid, row, oz, oy, destination, scratch);
            return;
        }

        Span<float> weights = stackalloc float[6];
        fixed (Half* values = channel)
        {
            for (int ox = 0; ox < destination.Length; ox++)
            {
                var stencil = new TorchStencil(grid, layout, oz, oy, ox, weights);
                destination[ox] = stencil.Value(SliceOf(values, grid, stencil.LowSlice), SliceOf(values, grid, stencil.HighSlice), 0);
            }
        }
    }

    /// <summary>Input slice <paramref name="z"/> of one class's (z, y, x) volume at <paramref name="channel"/>, as the stencils read it.</summary>
    private static unsafe SliceClassPlanes SliceOf(Half* channel, ResamplingGrid grid, int z)
    {
        Shape3 input = grid.InputShape;
        return SliceClassPlanes.Contiguous(channel + ((long)z * input.Y * input.X), 0, input.X);
    }

    private static void Check(VolumeBuffer<Half> logits, ExportPlan plan, string target)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        if (logits.Channels != plan.HeadCount || logits.Shape != plan.PreprocessedShape)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{target}: the logits are {logits.Channels} x {logits.Shape}, the export plan expects {plan.HeadCount} x {plan.PreprocessedShape}");
        }
    }

    /// <summary>
    /// Every original-order slice of every class, class by class: each into <paramref name="sliceOf"/>(k, z), then
    /// <paramref name="written"/>.
    /// </summary>
    private static void Slices(VolumeBuffer<Half> logits, ExportPlan plan, Func<int, int, Memory<float>> sliceOf, Action? written = null)
    {
        var grid = plan.CreateResamplingGrid();
        Shape3 crop = plan.ShapeAfterCropping;
        using var max = MemoryOwnerOf(crop.Voxels);
        using var sum = MemoryOwnerOf(crop.Voxels);
        if (!plan.IsRegions)
        {
            Normalizers(logits, grid, plan, max.Memory, sum.Memory);
        }

        using var resampled = MemoryOwnerOf(crop.Voxels);
        for (int k = 0; k < plan.HeadCount; k++)
        {
            ResampleClass(logits, k, grid, resampled.Memory);
            for (int z = 0; z < plan.OriginalShape.Z; z++)
            {
                FillSlice(resampled.Memory, plan, k, z, max.Memory, sum.Memory, sliceOf(k, z));
                written?.Invoke();
            }
        }
    }

    /// <summary>Lanes for every output x of <paramref name="grid"/>, for <see cref="ResampledRow"/>; only read, so threads share them.</summary>
    internal static TapLanes AllOfRow(ResamplingGrid grid)
    {
        var lanes = new TapLanes(grid.X);
        lanes.SelectAll();
        return lanes;
    }

    private static MemoryOwner<float> MemoryOwnerOf(long length) => MemoryOwner<float>.Allocate((int)length);

    /// <summary>Scratch for <see cref="ResampledRow"/> on <paramref name="grid"/>.</summary>
    private static double[] RentRowScratch(ResamplingGrid grid) => ArrayPool<double>.Shared.Rent((4 * grid.InputShape.X) + grid.OutputShape.X);

    /// <summary>Per cropped voxel: the largest class logit and Σ exp(x_k − max) in class order (torch's softmax steps).</summary>
    private static void Normalizers(VolumeBuffer<Half> logits, ResamplingGrid grid, ExportPlan plan, Memory<float> max, Memory<float> sum)
    {
        Shape3 crop = plan.ShapeAfterCropping;
        int classes = plan.HeadCount;
        TapLanes lanes = AllOfRow(grid);
        Parallel.For(0, crop.Z * crop.Y, row =>
        {
            int oz = row / crop.Y, oy = row % crop.Y;
            double[] scratch = RentRowScratch(grid);
            float[] values = ArrayPool<float>.Shared.Rent(classes * crop.X);
            for (int k = 0; k < classes; k++)
            {
                ValueRow(logits.Channel(k), grid, lanes, oz, oy, values.AsSpan(k * crop.X, crop.X), scratch);
            }

            Span<float> rowMax = max.Span.Slice(row * crop.X, crop.X);
            Span<float> rowSum = sum.Span.Slice(row * crop.X, crop.X);
            for (int ox = 0; ox < crop.X; ox++)
            {
                float m = float.NegativeInfinity;
                for (int k = 0; k < classes; k++)
                {
                    m = Math.Max(m, values[(k * crop.X) + ox]);
                }

                float s = 0f;
                for (int k = 0; k < classes; k++)
                {
                    s += MathF.Exp(values[(k * crop.X) + ox] - m);
                }

                rowMax[ox] = m;
                rowSum[ox] = s;
            }

            ArrayPool<float>.Shared.Return(values);
            ArrayPool<double>.Shared.Return(scratch);
        });
    }

    /// <summary>Class <paramref name="k"/>'s resampled logits over the whole cropped grid, row by row in parallel.</summary>
    private static void ResampleClass(VolumeBuffer<Half> logits, int k, ResamplingGrid grid, Memory<float> resampled)
    {
        Shape3 crop = grid.OutputShape;
        TapLanes lanes = AllOfRow(grid);
        Parallel.For(0, crop.Z * crop.Y, row =>
        {
            double[] scratch = RentRowScratch(grid);
            ValueRow(logits.Channel(k), grid, lanes, row / crop.Y, row % crop.Y, resampled.Span.Slice(row * crop.X, crop.X), scratch);
            ArrayPool<double>.Shared.Return(scratch);
        });
    }

    /// <summary>One original-order slice of class <paramref name="k"/>'s probabilities.</summary>
    private static void FillSlice(Memory<float> resampled, ExportPlan plan, int k, int z, Memory<float> max, Memory<float> sum, Memory<float> slice)
    {
        Shape3 original = plan.OriginalShape;
        Shape3 crop = plan.ShapeAfterCropping;
        float outside = !plan.IsRegions && k == 0 ? 1f : 0f;
        Parallel.For(0, original.Y, y =>
        {
            Span<int> b = stackalloc int[3];
            Span<int> t = stackalloc int[3];
            Span<float> row = slice.Span.Slice(y * original.X, original.X);
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
                    int voxel = (((t[0] * crop.Y) + t[1]) * crop.X) + t[2];
                    float logit = resampled.Span[voxel];
                    if (plan.IsRegions)
                    {
                        value = 1f / (1f + MathF.Exp(-logit));
                    }
                    else
                    {
                        value = MathF.Exp(logit - max.Span[voxel]) / sum.Span[voxel];
                    }
                }

                row[x] = value;
            }
        });
    }
}
