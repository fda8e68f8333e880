using SegEngine.Inference;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using SegEngine.Tests.Cli;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Faults;

/// <summary>
/// A case larger than the memory it may have, beside a good one: refused from its header with the plan's number and the
/// budget, before its voxels are read, while the good case is written.
/// </summary>
public class OversizedCaseFaultTests(SampleModels models) : IClassFixture<SampleModels>
{
    /// <summary>2048x2048x500 uint8: 2.1 G voxels (one buffer's most), about 2 GB of zeros behind a 2 MB gzip.</summary>
    private static readonly long[] OversizedDims = [2048, 2048, 500];

    [Fact]
    public void ABatchWithACaseLargerThanTheMachineRefusesItFromItsHeaderWritesTheGoodOneAndExitsOne()
    {
        var batch = new FaultBatch();
        string oversized = HostileNifti.WriteZeros(batch.CaseFile("oversized"), OversizedDims, [1, 1, 1]);
        List<string> arguments = ["predict", "-i", batch.Input, "-o", batch.Output, "-m", TestPaths.SampleModel("3d_fullres"), "--disable_tta", "-device", "cpu"];

        // The default budget is what the machine can still give, which moves with whatever runs beside this test: only a
        // plan a quarter beyond it is surely refused by that budget; otherwise half the plan is given as an explicit one.
        MemoryPlan plan = models.Get("3d_fullres", tta: false).PlanMemory(new Shape3(500, 2048, 2048), [1, 1, 1]);
        bool machineHoldsIt = MachineMemory.HeadroomBytes() is not long headroom || plan.TotalBytes - plan.WarmedUpBytes <= 1.25 * headroom;
        if (machineHoldsIt)
        {
            arguments.AddRange(["--memory-budget", (plan.TotalBytes / 2.0 / (1L << 30)).ToString("G4", System.Globalization.CultureInfo.InvariantCulture)]);
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        (int exitCode, _, string stderr) = SegEngineProcess.Run([.. arguments]);

        Assert.Equal(1, exitCode);
        Assert.True(File.Exists(Path.Combine(batch.Output, "good.nii.gz")), stderr);
        Assert.False(File.Exists(Path.Combine(batch.Output, "oversized.nii.gz")));
        Assert.Contains($"case oversized ({oversized}): refused before reading its voxels", stderr, StringComparison.Ordinal);
        Assert.Matches(@"needs \d+\.\d MiB but the memory budget is \d+\.\d MiB", stderr);
        Assert.Contains(machineHoldsIt ? "(--memory-budget)" : "(what this machine can still give)", stderr, StringComparison.Ordinal);
        Assert.True(watch.Elapsed.TotalSeconds < 60, $"{watch.Elapsed.TotalSeconds:F0} s");
    }

    [Fact]
    public async Task TheRefusalComesFromThePlanBeforeTheReadStageStarts()
    {
        using SegModel budgeted = SegModel.Load(
            TestPaths.SampleModel("3d_fullres"),
            new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false, MemoryBudgetGb = 1 } });
        var batch = new FaultBatch();
        HostileNifti.WriteZeros(batch.CaseFile("oversized"), OversizedDims, [1, 1, 1]);

        BatchResult result = await batch.RunAsync(budgeted, expectedFailures: 1);

        CaseReport refused = result.Failures[0];
        Assert.Equal((SegStage.Read, 0.0), (refused.FailedStage!.Value, refused.Timings.Read));
        Assert.Null(refused.InputShape);
        Assert.Contains("refused before reading its voxels", refused.Error, StringComparison.Ordinal);
        Assert.Contains("the memory budget is 1024.0 MiB (--memory-budget)", refused.Error, StringComparison.Ordinal);
        Assert.Equal(result.Overview.Plan.LargestImage, new Shape3(30, 36, 40));
    }

    [Fact]
    public async Task AnUnlimitedBatchStillPlansTheLargestAdmittedCaseOnly()
    {
        var batch = new FaultBatch();
        HostileNifti.WriteFloat(batch.CaseFile("hostile"), [4, 4, 4], [1e300, 1, 1], seed: 8);

        BatchResult result = await BatchPrediction.RunAsync(
            models.Get("3d_fullres", tta: false), new BatchRequest(batch.Input, batch.Output) { UnlimitedMemory = true }, new SilentBatchObserver());

        Assert.Equal(0, result.Overview.Plan.BudgetBytes);
        Assert.Equal((1, 1), (result.Succeeded, result.Failures.Count));
        Assert.Equal(new Shape3(30, 36, 40), result.Overview.Plan.LargestImage);
    }

    [Fact]
    public void MachineMemoryIsMemAvailableCappedByTheCgroupLimitLessItsUse()
    {
        Assert.Equal(2048L * 1024, MachineMemory.MemAvailable("MemTotal:  4096 kB\nMemFree:  1 kB\nMemAvailable:    2048 kB\n"));
        Assert.Null(MachineMemory.MemAvailable("MemTotal: 4096 kB\n"));
        Assert.Equal(600, MachineMemory.CgroupHeadroom("1000\n", "400\n"));
        Assert.Equal(0, MachineMemory.CgroupHeadroom("1000", "1400"));
        Assert.Null(MachineMemory.CgroupHeadroom("max\n", "400"));
        Assert.Null(MachineMemory.CgroupHeadroom("9223372036854771712\n", "400"));
        Assert.NotNull(MachineMemory.CgroupHeadroom("1000", null));
    }

    [Fact]
    public void ReclaimableFileCacheIsHeadroomUnderACgroupLimit()
    {
        // A group at its limit with half of it in inactive page cache still has that half: the kernel reclaims it first.
        Assert.Equal(500, MachineMemory.CgroupHeadroom("1000", "1000", "anon 500\nfile 500\ninactive_file 500\nactive_file 0\n"));
        Assert.Equal(300, MachineMemory.CgroupHeadroom("1000", "900", "cache 400\ninactive_file 200\ntotal_inactive_file 200\n"));
        Assert.Equal(0, MachineMemory.InactiveFileBytes("anon 500\n"));
        Assert.Equal(0, MachineMemory.InactiveFileBytes(null));
    }

    [Fact]
    public void HeadroomReadsTheProcessesOwnGroup()
    {
        string root = TestPaths.NewTempFolder();
        void Write(string relative, string text)
        {
            string path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        Write("proc/meminfo", "MemAvailable: 8388608 kB\n");
        Write("proc/self/cgroup", "0::/kubepods/pod1\n");
        Write("sys/fs/cgroup/kubepods/pod1/memory.max", "4000000000\n");
        Write("sys/fs/cgroup/kubepods/pod1/memory.current", "3000000000\n");
        Write("sys/fs/cgroup/kubepods/pod1/memory.stat", "inactive_file 1000000000\n");

        Assert.Equal(2_000_000_000, MachineMemory.HeadroomBytes(root));
    }

    [Theory]
    [InlineData("0::/kubepods/pod1/c1\n", true, "kubepods/pod1/c1")]
    [InlineData("12:memory:/job/7\n11:cpu,cpuacct:/job/7\n0::/\n", false, "job/7")]
    [InlineData("4:cpu,memory:/a\n", false, "a")]
    [InlineData("0::/\n", true, "")]
    [InlineData("4:memory:/a\n", true, "")]
    [InlineData(null, false, "")]
    public void OwnGroupIsTheProcessesCgroupBelowTheMount(string? selfCgroup, bool v2, string expected) =>
        Assert.Equal(expected, MachineMemory.OwnGroup(selfCgroup, v2));
}
