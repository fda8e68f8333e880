using System.Diagnostics;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;

namespace SegEngine.Tests.Faults;

/// <summary>
/// A mixed batch for the fault suite: hostile cases written beside one good sample case, run in this process through
/// <see cref="BatchPrediction.RunAsync"/>, with the suite's three promises checked: the good case is written, every
/// failure names its case's file, and nothing takes long.
/// </summary>
internal sealed class FaultBatch
{
    /// <summary>A refused case is refused from its header or its shapes: far under this, whatever the machine.</summary>
    public const double MaxSecondsPerRefusal = 3;

    /// <summary>A case that fails later ran the network over at most a sample case's few tiles.</summary>
    public const double MaxSecondsPerCase = 15;

    public FaultBatch()
    {
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(Input, "good_0000.nii.gz"));
    }

    public string Input { get; } = TestPaths.NewTempFolder();

    public string Output { get; } = TestPaths.NewTempFolder();

    /// <summary>The path of a new case's channel-0 file.</summary>
    public string CaseFile(string caseId) => Path.Combine(Input, caseId + "_0000.nii.gz");

    /// <summary>Runs the batch and checks the promises (and the failure count unless null); returns the result for the test's own checks.</summary>
    public async Task<BatchResult> RunAsync(SegModel model, int? expectedFailures)
    {
        long start = Stopwatch.GetTimestamp();
        BatchResult result = await BatchPrediction.RunAsync(model, new BatchRequest(Input, Output), new SilentBatchObserver());
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        Assert.True(File.Exists(Path.Combine(Output, "good.nii.gz")), "the good case is written");
        Assert.Equal(CaseStatus.Succeeded, result.Reports.Single(r => r.Case.CaseId == "good").Status);
        if (expectedFailures is int expected)
        {
            Assert.Equal(expected, result.Failures.Count);
        }

        Assert.All(result.Reports.Where(r => r.Status == CaseStatus.Succeeded), r => Assert.True(File.Exists(r.Case.OutputFile), $"{r.Case.CaseId} written"));
        foreach (CaseReport failure in result.Failures)
        {
            Assert.Contains(failure.Case.ChannelFiles[0], failure.Error, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', failure.Error!);
            double bound = failure.FailedStage == SegStage.Read ? MaxSecondsPerRefusal : MaxSecondsPerCase;
            Assert.True(failure.WallSeconds < bound, $"{failure.Case.CaseId} took {failure.WallSeconds:F1} s: {failure.Error}");
            Assert.False(File.Exists(failure.Case.OutputFile), $"{failure.Case.CaseId} wrote an output");
        }

        // Planning every header, the refusals and one real sample case: seconds, not the minutes a hostile case once took.
        Assert.True(seconds < 30, $"the batch took {seconds:F1} s");
        return result;
    }

    public static string ErrorOf(BatchResult result, string caseId) => result.Reports.Single(r => r.Case.CaseId == caseId).Error ?? "";
}
