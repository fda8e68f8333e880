using BenchmarkDotNet.Attributes;
using SegEngine.Inference;

namespace SegEngine.Perf.Kernels;

/// <summary>Which axes a mirrored prediction is flipped back along before it is added.</summary>
public enum FlippedAxes
{
    /// <summary>Whole rows move; no element order changes.</summary>
    Z,

    /// <summary>Every row is also reversed (through the row scratch).</summary>
    ZYX,
}

/// <summary>
/// The test-time-mirroring average: <see cref="MirrorCombinations.AddFlipped"/> adds one mirrored pass's K-class fp32
/// tile prediction, flipped back, into the running sum (the sliding window's <c>CombinePass</c>).
/// </summary>
public class MirrorAverageBenchmark
{
    private KernelSizes sizes = KernelSizes.Full;
    private float[] pass = [];
    private float[] sum = [];
    private float[] rowScratch = [];
    private Mirror mirror;

    [Params(FlippedAxes.Z, FlippedAxes.ZYX)]
    public FlippedAxes Flip { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        sizes = KernelSizes.Current;
        int length = sizes.Classes * (int)sizes.Patch.Voxels;
        pass = new float[length];
        sum = new float[length];
        rowScratch = new float[sizes.Patch.X];
        var random = new Random(11);
        for (int i = 0; i < length; i++)
        {
            pass[i] = (random.NextSingle() * 8) - 4;
        }

        mirror = Flip == FlippedAxes.Z ? new Mirror(true, false, false) : new Mirror(true, true, true);
        TrafficTable.Register(typeof(MirrorAverageBenchmark), nameof(AddFlipped), new KernelTraffic(
            12L * length, $"K={sizes.Classes} x {sizes.Patch}", "per tile voxel and class: fp32 pass read (4) + fp32 sum read and write (4 + 4)"));
    }

    [GlobalCleanup]
    public void Cleanup() => (pass, sum, rowScratch) = ([], [], []);

    [Benchmark]
    public float AddFlipped()
    {
        MirrorCombinations.AddFlipped(pass, sum, sizes.Classes, sizes.Patch, mirror, rowScratch);
        return sum[^1];
    }
}
