using BenchmarkDotNet.Attributes;
using SegEngine.Inference;
using SegEngine.Kernels;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// Gaussian-weighted aggregation (<see cref="SegKernels.AccumulateWeighted"/>): one tile's K class logits × the Gaussian
/// added into fp16 accumulators: as the sliding window calls it (<see cref="TileAggregation"/> into a
/// <see cref="SliceAccumulator"/> of 512-wide slices, both cores, weights included), row by row on one core into a
/// wider slab (the loop before the half-patch accumulator), and as one contiguous span per class (the kernel's own
/// ceiling, without per-row call overhead).
/// </summary>
public class AggregationBenchmark
{
    private const string Accounting = "per tile voxel and class: fp32 logit read (4) + fp16 Gaussian read (2) + fp16 accumulator read and write (2 + 2)";

    private KernelSizes sizes = KernelSizes.Full;
    private float[] prediction = [];
    private Half[] gaussian = [];
    private Half[] slab = [];
    private Half[] tileAccumulator = [];
    private SliceAccumulator? slices;
    private TileAggregation? aggregation;

    [GlobalSetup]
    public void Setup()
    {
        sizes = KernelSizes.Current;
        Shape3 patch = sizes.Patch;
        int tileVoxels = (int)patch.Voxels;
        gaussian = GaussianMap.Compute(patch.ToArray());
        prediction = new float[sizes.Classes * tileVoxels];
        // Symmetric logits keep the repeatedly accumulated fp16 sums a bounded random walk, far from overflow.
        var random = new Random(7);
        for (int i = 0; i < prediction.Length; i++)
        {
            prediction[i] = (random.NextSingle() * 8) - 4;
        }

        slab = new Half[(long)sizes.Classes * patch.Z * patch.Y * sizes.SlabWidth];
        tileAccumulator = new Half[prediction.Length];
        long bytes = 10L * prediction.Length;
        string size = $"K={sizes.Classes} x {patch}";
        slices = new SliceAccumulator(patch.Z, sizes.Classes + 1, patch.Y, sizes.SlabWidth);
        slices.Hold(0, patch.Z, 0, patch.Y);
        aggregation = new TileAggregation(slices, gaussian, patch, sizes.Classes, sizes.Classes);
        TrafficTable.Register(
            typeof(AggregationBenchmark),
            nameof(AccumulateTileAsCalled),
            new KernelTraffic(bytes + (6L * tileVoxels), $"{size} into {sizes.SlabWidth}-wide slices, 2 cores", Accounting + "; weights: fp16 Gaussian read (2) + fp16 weight read and write (2 + 2) per tile voxel"));
        TrafficTable.Register(typeof(AggregationBenchmark), nameof(AccumulateWeightedRows), new KernelTraffic(bytes, $"{size} into {sizes.SlabWidth}-wide slab", Accounting));
        TrafficTable.Register(typeof(AggregationBenchmark), nameof(AccumulateWeightedContiguous), new KernelTraffic(bytes, size, Accounting));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        (prediction, gaussian, slab, tileAccumulator) = ([], [], [], []);
        slices?.Dispose();
        (slices, aggregation) = (null, null);
    }

    /// <summary>One tile added as the sliding window adds it, weights included: <see cref="TileAggregation.Add"/>.</summary>
    [Benchmark]
    public Half AccumulateTileAsCalled()
    {
        aggregation!.Add(0, 0, 0, sizes.SlabWidth - sizes.Patch.X, prediction, withWeights: true);
        return slices!.Row(0, 0, sizes.Patch.Y - 1)[^1];
    }

    /// <summary>The sliding window's loop before the half-patch accumulator: one kernel call per tile row on one core, the slab prefetched a few rows ahead.</summary>
    [Benchmark]
    public Half AccumulateWeightedRows()
    {
        Shape3 patch = sizes.Patch;
        int tileVoxels = (int)patch.Voxels;
        int xOffset = sizes.SlabWidth - patch.X;
        for (int k = 0; k < sizes.Classes; k++)
        {
            for (int dz = 0; dz < patch.Z; dz++)
            {
                for (int dy = 0; dy < patch.Y; dy++)
                {
                    int tileRow = ((dz * patch.Y) + dy) * patch.X;
                    int slabRow = ((((k * patch.Z) + dz) * patch.Y) + dy) * sizes.SlabWidth + xOffset;
                    int ahead = slabRow + (TileAggregation.PrefetchRowsAhead * sizes.SlabWidth);
                    if (ahead + patch.X <= slab.Length)
                    {
                        SegKernels.Prefetch<Half>(slab.AsSpan(ahead, patch.X));
                    }

                    SegKernels.AccumulateWeighted(
                        prediction.AsSpan((k * tileVoxels) + tileRow, patch.X), gaussian.AsSpan(tileRow, patch.X), slab.AsSpan(slabRow, patch.X));
                }
            }
        }

        return slab[^1];
    }

    [Benchmark]
    public Half AccumulateWeightedContiguous()
    {
        int tileVoxels = gaussian.Length;
        for (int k = 0; k < sizes.Classes; k++)
        {
            SegKernels.AccumulateWeighted(prediction.AsSpan(k * tileVoxels, tileVoxels), gaussian, tileAccumulator.AsSpan(k * tileVoxels, tileVoxels));
        }

        return tileAccumulator[^1];
    }
}
