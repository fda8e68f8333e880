using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using SegEngine.Inference;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Pipeline.Batch;

/// <summary>
/// Whole batches through <see cref="BatchPrediction.RunAsync"/> in this process, as the CLI, the C ABI or a server call
/// it: bad cases that fail alone, resume, parts, the report and cancellation, with no child process.
/// </summary>
public class BatchPredictionTests(SampleModels models) : IClassFixture<SampleModels>
{
    private SegModel Model => models.Get("3d_fullres", tta: false);

    [Fact]
    public async Task BadCasesFailAloneAndAResumeSkipsOnlyTheFinishedOnes()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        CopyCase("case_003", input, "good");
        byte[] whole = File.ReadAllBytes(TestPaths.SampleCase("case_003"));
        File.WriteAllBytes(Path.Combine(input, "truncated_0000.nii.gz"), whole[..(whole.Length / 2)]);
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "nochannel0_0001.nii.gz"));
        string reportPath = Path.Combine(output, "report.json");
        var observer = new RecordingObserver();

        BatchResult first = await BatchPrediction.RunAsync(Model, new BatchRequest(input, output) { ReportPath = reportPath }, observer);

        Assert.Equal((3, 3, 0, 3), (first.Overview.CasesFound, first.Overview.CasesInPart, first.Overview.AlreadyDone, first.Overview.ToPredict.Count));
        Assert.Equal(["good", "nochannel0", "truncated"], first.Reports.Select(r => r.Case.CaseId));
        Assert.Equal((1, 0, 2), (first.Succeeded, first.Skipped, first.Failures.Count));
        CaseReport good = first.Reports[0];
        Assert.Equal(CaseStatus.Succeeded, good.Status);
        Assert.All(first.Failures, failure => Assert.Equal(SegStage.Read, failure.FailedStage));
        Assert.Contains("missing channel file(s) nochannel0_0000.nii.gz", first.Reports[1].Error, StringComparison.Ordinal);
        Assert.Contains("truncated_0000.nii.gz", first.Reports[2].Error, StringComparison.Ordinal);
        Assert.Equal(["dataset.json", "good.nii.gz", "plans.json", "report.json"], FileNames(output));

        // The stages' own seconds are what the report carries: together with the queues they make the case's wall time.
        CaseTimings timings = good.Timings;
        Assert.True(timings.Read > 0 && timings.Preprocess > 0 && timings.Network > 0 && timings.Write > 0, "every stage measured");
        Assert.True(Math.Abs(timings.Total + good.WaitingSeconds - good.WallSeconds) <= (0.05 * good.WallSeconds) + 0.01, $"{timings.Total} + {good.WaitingSeconds} vs {good.WallSeconds}");
        Assert.Equal(new SegStage[] { SegStage.Read, SegStage.Preprocess, SegStage.Predict, SegStage.Export, SegStage.Write }, observer.StagesOf("good"));
        Assert.Equal("started", observer.Events.First());
        Assert.Equal(3, observer.Events.Count(e => e.StartsWith("finished ", StringComparison.Ordinal)));
        using (JsonDocument report = JsonDocument.Parse(File.ReadAllText(reportPath)))
        {
            Assert.Equal(2, report.RootElement.GetProperty("totals").GetProperty("failed").GetInt32());
            Assert.Equal(timings.Network, report.RootElement.GetProperty("cases")[0].GetProperty("seconds").GetProperty("network").GetDouble());
        }

        byte[] segmentation = File.ReadAllBytes(Path.Combine(output, "good.nii.gz"));
        BatchResult resumed = await BatchPrediction.RunAsync(Model, new BatchRequest(input, output) { ContinuePrediction = true }, new RecordingObserver());

        Assert.Equal((1, 2), (resumed.Overview.AlreadyDone, resumed.Overview.ToPredict.Count));
        Assert.Equal((0, 1, 2), (resumed.Succeeded, resumed.Skipped, resumed.Failures.Count));
        Assert.Equal(CaseStatus.Skipped, resumed.Reports[0].Status);
        Assert.Equal(segmentation, File.ReadAllBytes(Path.Combine(output, "good.nii.gz")));
    }

    [Fact]
    public async Task TwoPartsMakeTheWholeRunWithNoCaseDoneTwice()
    {
        string input = TestPaths.NewTempFolder();
        for (int i = 0; i < 3; i++)
        {
            CopyCase("case_003", input, $"scan{i}");
        }

        string whole = TestPaths.NewTempFolder();
        string parts = TestPaths.NewTempFolder();

        await BatchPrediction.RunAsync(Model, new BatchRequest(input, whole), new RecordingObserver());
        BatchResult first = await BatchPrediction.RunAsync(Model, new BatchRequest(input, parts) { Part = new PartSelection(2, 0, "test") }, new RecordingObserver());
        BatchResult second = await BatchPrediction.RunAsync(Model, new BatchRequest(input, parts) { Part = new PartSelection(2, 1, "test") }, new RecordingObserver());

        Assert.Equal(["scan0", "scan2"], first.Reports.Select(r => r.Case.CaseId));
        Assert.Equal(["scan1"], second.Reports.Select(r => r.Case.CaseId));
        Assert.Equal((3, 1), (second.Overview.CasesFound, second.Overview.CasesInPart));
        Assert.Equal(FileNames(whole), FileNames(parts));
        foreach (string name in FileNames(whole))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(whole, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(parts, name))), $"{name} differs");
        }
    }

    [Fact]
    public async Task ACancelledBatchWritesNoSegmentation()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        CopyCase("case_003", input, "scan");
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => BatchPrediction.RunAsync(Model, new BatchRequest(input, output), new RecordingObserver(), cancellation.Token));

        Assert.False(File.Exists(Path.Combine(output, "scan.nii.gz")));
    }

    [Fact]
    public async Task AnEmptyInputFolderIsAnErrorNamingIt()
    {
        string input = TestPaths.NewTempFolder();

        var error = await Assert.ThrowsAsync<SegEngineException>(
            () => BatchPrediction.RunAsync(Model, new BatchRequest(input, TestPaths.NewTempFolder()), new RecordingObserver()));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains(input, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACascadeStageWithoutThePreviousStagesOutputsIsARequestError()
    {
        // A synthetic second stage: its network takes the image and the previous stage's one-hot foreground.
        string plans = ModelFixtures.WritePlans(plans =>
        {
            JsonObject configurations = plans.Configurations();
            configurations["3d_lowres"] = new JsonObject { ["inherits_from"] = "3d_fullres", ["next_stage"] = "3d_cascade_fullres" };
            configurations["3d_cascade_fullres"] = new JsonObject { ["inherits_from"] = "3d_fullres", ["previous_stage"] = "3d_lowres" };
        });
        string model = Path.Combine(TestPaths.NewTempFolder(), ModelFixtures.SampleFolderPrefix + "3d_cascade_fullres");
        SyntheticModelFolder.Create(new SyntheticModelRequest(plans, "3d_cascade_fullres", Classes: 2, Seed: 1, model, CheckpointWeights: false));
        using SegModel cascade = SegModel.Load(model, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false } });
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        CopyCase("case_003", input, "scan");

        var error = await Assert.ThrowsAsync<BatchRequestException>(
            () => BatchPrediction.RunAsync(cascade, new BatchRequest(input, output), new RecordingObserver()));

        Assert.Contains("-prev_stage_predictions", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(output));
    }

    private static void CopyCase(string sampleCase, string folder, string caseId) =>
        File.Copy(TestPaths.SampleCase(sampleCase), Path.Combine(folder, caseId + "_0000.nii.gz"));

    private static string[] FileNames(string folder) => [.. Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];

    /// <summary>Keeps every notice in arrival order (notices come from the pipeline's worker threads).</summary>
    private sealed class RecordingObserver : IBatchObserver
    {
        private readonly ConcurrentQueue<(string CaseId, SegStage Stage)> stages = new();

        public ConcurrentQueue<string> Events { get; } = new();

        public void BatchStarted(BatchOverview overview) => Events.Enqueue("started");

        public void StageStarted(BatchCase batchCase, SegStage stage) => stages.Enqueue((batchCase.CaseId, stage));

        public void CaseFinished(CaseReport report) => Events.Enqueue($"finished {report.Case.CaseId}");

        public SegStage[] StagesOf(string caseId) => [.. stages.Where(s => s.CaseId == caseId).Select(s => s.Stage)];
    }
}
