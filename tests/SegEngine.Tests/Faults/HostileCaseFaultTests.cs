using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Faults;

/// <summary>
/// Hostile cases beside a good one: degenerate shapes, hostile spacings, shapes whose arithmetic overflows, a seeded
/// fuzz of headers. Each is refused alone, in bounded time, naming its file; the good case is written.
/// </summary>
public class HostileCaseFaultTests(SampleModels models) : IClassFixture<SampleModels>
{
    private SegModel Model => models.Get("3d_fullres", tta: false);

    [Fact]
    public async Task LinesTensOfThousandsLongAreRefusedInSecondsNotTiledForMinutes()
    {
        var batch = new FaultBatch();
        HostileNifti.WriteFloat(batch.CaseFile("line_x"), [40000, 1, 1], [1, 1, 1], seed: 1);
        HostileNifti.WriteFloat(batch.CaseFile("line_z"), [1, 1, 40000], [1, 1, 1], seed: 2);
        HostileNifti.WriteFloat(batch.CaseFile("needle_y"), [3, 25000, 2], [1, 1, 1], seed: 3);

        BatchResult result = await batch.RunAsync(Model, expectedFailures: 3);

        Assert.Contains("too thin for the patch", FaultBatch.ErrorOf(result, "line_x"), StringComparison.Ordinal);
        Assert.Contains("1666 tiles", FaultBatch.ErrorOf(result, "line_z"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1e30)]
    [InlineData(1e300)]
    [InlineData(1e6)]
    [InlineData(1e-6)]
    [InlineData(1e-30)]
    [InlineData(double.Epsilon)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0.0)]
    public async Task AHostileSpacingRefusesOnlyItsCase(double spacing)
    {
        var batch = new FaultBatch();
        HostileNifti.WriteFloat(batch.CaseFile("hostile"), [20, 16, 12], [spacing, 1, 1], seed: 4);

        await batch.RunAsync(Model, expectedFailures: 1);
    }

    [Fact]
    public async Task AResampledShapeTooLargeForAnyBufferIsRefusedFromTheHeader()
    {
        var batch = new FaultBatch();
        // 1e6 mm voxels resample to 1e6 voxels per axis at 1 mm: 1e18 voxels, which once overflowed to a negative count.
        HostileNifti.WriteFloat(batch.CaseFile("overflow"), [8, 8, 8], [1e6, 1e6, 1e6], seed: 5);
        // 2200 voxels of the largest spacing the reader takes (1e6 mm) resample to 2.2e9 voxels on one axis.
        HostileNifti.WriteFloat(batch.CaseFile("axis"), [2200, 4, 4], [1e6, 1, 1], seed: 6, voxels: 16);

        BatchResult result = await batch.RunAsync(Model, expectedFailures: 2);

        Assert.Contains("one volume holds at most", FaultBatch.ErrorOf(result, "overflow"), StringComparison.Ordinal);
        Assert.Contains("expected 1 to", FaultBatch.ErrorOf(result, "axis"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AHeaderDeclaringMoreVoxelsThanOneVolumeHoldsIsRefusedWithoutReadingOne()
    {
        var batch = new FaultBatch();
        // 1e15 voxels, which the spacing shrinks to 100 per axis at 1 mm: only the header's own count can refuse it.
        HostileNifti.WriteFloat(batch.CaseFile("vast"), [100_000, 100_000, 100_000], [1e-3, 1e-3, 1e-3], seed: 9, voxels: 16);

        BatchResult result = await batch.RunAsync(Model, expectedFailures: 1);

        Assert.Contains("its header declares 100000x100000x100000, 1.00E+015 voxels", FaultBatch.ErrorOf(result, "vast"), StringComparison.Ordinal);
    }

    /// <summary>
    /// Seeded headers drawn from the hostile values: lines and needles of tens of thousands of voxels, tiny volumes, and
    /// spacings from denormal to 1e300. Each case either succeeds (a tiny one) or is refused naming its file, quickly.
    /// </summary>
    [Theory]
    [InlineData(20261207)]
    [InlineData(7)]
    public async Task FuzzedHeadersNeverHangCrashOrLoseTheGoodCase(int seed)
    {
        double[] spacings = [1, 0.5, 2, 1e-30, 1e30, 1e300, 1e-300, double.Epsilon, 1e6, 1e-6, 3.7];
        var random = new Random(seed);
        var batch = new FaultBatch();
        for (int i = 0; i < 10; i++)
        {
            long[] dims = [1 + random.Next(4), 1 + random.Next(4), 1 + random.Next(4)];
            if (random.Next(2) == 0)
            {
                dims[random.Next(3)] = random.Next(20000, 60001);
            }

            double[] pixdim = [.. Enumerable.Range(0, 3).Select(_ => spacings[random.Next(spacings.Length)])];
            HostileNifti.WriteFloat(batch.CaseFile($"fuzz{i}"), dims, pixdim, seed + i);
        }

        BatchResult result = await batch.RunAsync(Model, expectedFailures: null);

        Assert.True(result.Failures.Count >= 5, $"most fuzzed headers are hostile; {result.Failures.Count} of 10 failed");
    }
}
