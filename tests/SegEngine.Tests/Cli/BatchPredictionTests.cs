using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using SegEngine.Tests.Io;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Cli;

/// <summary>
/// <c>segengine predict</c> over folders as a batch user runs it: bad cases that fail alone, <c>kill -9</c> and resume,
/// sharded parts, and the JSON report against its documented schema.
/// </summary>
public class BatchPredictionTests
{
    private static readonly string Model = TestPaths.SampleModel("3d_fullres");
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public void BadCasesFailAloneWithTheirReasonAndLeaveNoPartialFiles()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        CopyCase("case_003", input, "good");
        CopyCase("case_000", input, "alsogood");
        byte[] whole = File.ReadAllBytes(TestPaths.SampleCase("case_003"));
        File.WriteAllBytes(Path.Combine(input, "truncated_0000.nii.gz"), whole[..(whole.Length / 2)]);
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "nochannel0_0001.nii.gz"));
        WriteWithNaNSpacing(TestPaths.SampleCase("case_003"), Path.Combine(input, "nanspacing_0000.nii.gz"));

        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", input, "-o", output, "-m", Model, "--disable_tta", "-device", "cpu");

        Assert.Equal(1, exitCode);
        Assert.True(File.Exists(Path.Combine(output, "good.nii.gz")), stderr);
        Assert.True(File.Exists(Path.Combine(output, "alsogood.nii.gz")), stderr);
        Assert.Equal(["alsogood.nii.gz", "dataset.json", "good.nii.gz", "plans.json"], Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("truncated: failed in read: ", stderr, StringComparison.Ordinal);
        Assert.Contains("truncated_0000.nii.gz", stderr, StringComparison.Ordinal);
        Assert.Contains("nochannel0: failed in read: ", stderr, StringComparison.Ordinal);
        Assert.Contains("missing", stderr, StringComparison.Ordinal);
        Assert.Contains("nanspacing: failed in read: ", stderr, StringComparison.Ordinal);
        Assert.Contains("pixdim", stderr, StringComparison.Ordinal);
        Assert.Contains("2 predicted, 0 skipped, 3 failed", stderr, StringComparison.Ordinal);
    }

    /// <summary>Kills the batch mid-run with SIGKILL, resumes it, and expects exactly the files of an uninterrupted run.</summary>
    [Fact]
    public void KillNineThenContinueGivesTheUninterruptedResultByteForByte()
    {
        string input = TestPaths.NewTempFolder();
        for (int i = 0; i < 5; i++)
        {
            CopyCase("case_003", input, $"scan{i}");
        }

        string reference = TestPaths.NewTempFolder();
        string interrupted = TestPaths.NewTempFolder();
        string[] flags = ["-i", input, "-m", Model, "-device", "cpu", "--save_probabilities", "--continue_prediction"];
        (int referenceExit, _, string referenceLog) = SegEngineProcess.Run(["predict", "-o", reference, .. flags]);
        Assert.True(referenceExit == 0, referenceLog);

        using (Process victim = SegEngineProcess.Start(NoEnvironment, ["predict", "-o", interrupted, .. flags]))
        {
            var clock = Stopwatch.StartNew();
            while (Directory.GetFiles(interrupted, "scan*.nii.gz").Length < 2 && clock.Elapsed < TimeSpan.FromSeconds(60) && !victim.HasExited)
            {
                Thread.Sleep(20);
            }

            victim.Kill(entireProcessTree: true);
            victim.WaitForExit();
        }

        int doneBeforeKill = Directory.GetFiles(interrupted, "scan*.nii.gz").Length;
        (int resumedExit, _, string resumedLog) = SegEngineProcess.Run(["predict", "-o", interrupted, .. flags]);

        Assert.True(resumedExit == 0, resumedLog);
        Assert.Contains($"{doneBeforeKill} already done", resumedLog, StringComparison.Ordinal);
        AssertSameFiles(reference, interrupted, ignore: ["dataset.json", "plans.json"]);
    }

    [Fact]
    public void TwoPartsMakeTheWholeRunWithNoCaseDoneTwice()
    {
        string input = TestPaths.NewTempFolder();
        for (int i = 0; i < 5; i++)
        {
            CopyCase("case_003", input, $"scan{i}");
        }

        string whole = TestPaths.NewTempFolder();
        string parts = TestPaths.NewTempFolder();
        string[] flags = ["-i", input, "-m", Model, "-device", "cpu", "--disable_tta"];

        (int wholeExit, _, string wholeLog) = SegEngineProcess.Run(["predict", "-o", whole, .. flags]);
        (int firstExit, _, string firstLog) = SegEngineProcess.Run(["predict", "-o", parts, .. flags, "-num_parts", "2", "-part_id", "0"]);
        (int secondExit, _, string secondLog) = SegEngineProcess.Run(
            new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "2" }, ["predict", "-o", parts, .. flags]);

        Assert.True(wholeExit == 0 && firstExit == 0 && secondExit == 0, wholeLog + firstLog + secondLog);
        Assert.Contains("5 cases in flight", wholeLog, StringComparison.Ordinal);
        Assert.Contains("part 0 of 2 (from -num_parts/-part_id)", firstLog, StringComparison.Ordinal);
        Assert.Contains("part 1 of 2 (from Slurm job array", secondLog, StringComparison.Ordinal);
        string[] firstCases = DoneCases(firstLog);
        string[] secondCases = DoneCases(secondLog);
        Assert.Equal(["scan0", "scan2", "scan4"], firstCases);
        Assert.Equal(["scan1", "scan3"], secondCases);
        AssertSameFiles(whole, parts, ignore: []);
    }

    [Fact]
    public void TheReportFollowsItsSchemaAndItsStagesAddUpToTheWallTime()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        CopyCase("case_000", input, "big");
        CopyCase("case_003", input, "small");
        File.WriteAllBytes(Path.Combine(input, "broken_0000.nii.gz"), [0x1f, 0x8b, 8, 0]);
        string reportPath = Path.Combine(output, "report.json");

        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", input, "-o", output, "-m", Model, "-device", "cpu", "--disable_tta", "--report", reportPath);

        Assert.Equal(1, exitCode);
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "report.schema.json")));
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(reportPath));
        Assert.Empty(JsonSchemaValidator.Validate(schema.RootElement, report.RootElement));

        JsonElement root = report.RootElement;
        Assert.Equal(3, root.GetProperty("totals").GetProperty("cases").GetInt32());
        Assert.Equal(1, root.GetProperty("totals").GetProperty("failed").GetInt32());
        JsonElement[] cases = [.. root.GetProperty("cases").EnumerateArray()];
        Assert.Equal(["big", "broken", "small"], cases.Select(c => c.GetProperty("case_id").GetString()));
        Assert.Equal("read", cases[1].GetProperty("failed_stage").GetString());
        foreach (JsonElement item in cases.Where(c => c.GetProperty("status").GetString() == "succeeded"))
        {
            double stages = item.GetProperty("seconds").EnumerateObject().Sum(s => s.Value.GetDouble());
            double waiting = item.GetProperty("waiting_seconds").GetDouble();
            double wall = item.GetProperty("wall_seconds").GetDouble();
            Assert.True(Math.Abs(stages + waiting - wall) <= 0.05 * wall, $"{item.GetProperty("case_id")}: stages {stages} + waiting {waiting} vs wall {wall}; {stderr}");
            Assert.True(item.GetProperty("seconds").GetProperty("network").GetDouble() > 0);
            Assert.True(item.GetProperty("tiles").GetInt32() >= 1);
        }

        Assert.Equal([71, 89, 97], cases[0].GetProperty("input_shape").EnumerateArray().Select(v => v.GetInt32()));
    }

    [Fact]
    public void CasesThatLookWrongCarryWarningsInTheReport()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        byte[] image = NiftiFixtures.Decompress(TestPaths.SampleCase("case_003"));
        byte[] zeros = (byte[])image.Clone();
        zeros.AsSpan(352).Clear();
        WriteGzip(Path.Combine(input, "zeros_0000.nii.gz"), zeros);
        byte[] coarse = (byte[])image.Clone();
        BinaryPrimitives.WriteSingleLittleEndian(coarse.AsSpan(88), 10f);
        WriteGzip(Path.Combine(input, "coarse_0000.nii.gz"), coarse);
        string reportPath = Path.Combine(output, "report.json");

        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", input, "-o", output, "-m", Model, "--disable_tta", "-device", "cpu", "--report", reportPath);

        Assert.True(exitCode == 0, stderr);
        using JsonDocument report = JsonDocument.Parse(File.ReadAllText(reportPath));
        Dictionary<string, string[]> warnings = report.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(
            c => c.GetProperty("case_id").GetString()!, c => c.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()!).ToArray());
        Assert.Contains(warnings["zeros"], w => w.Contains("segmentation is empty", StringComparison.Ordinal));
        Assert.Contains(warnings["coarse"], w => w.StartsWith("axis 0 spacing 10 mm is 10 x the model's 1 mm", StringComparison.Ordinal));
        Assert.Contains("warning: coarse: axis 0 spacing", stderr, StringComparison.Ordinal);
    }

    private static void WriteGzip(string path, byte[] content)
    {
        using FileStream file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(content);
    }

    private static void CopyCase(string sampleCase, string folder, string caseId) =>
        File.Copy(TestPaths.SampleCase(sampleCase), Path.Combine(folder, caseId + "_0000.nii.gz"));

    /// <summary>Rewrites a NIfTI-1 file with pixdim[1] (x spacing) set to NaN.</summary>
    private static void WriteWithNaNSpacing(string source, string target)
    {
        byte[] bytes = NiftiFixtures.Decompress(source);
        Assert.Equal(348, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(80), float.NaN);
        WriteGzip(target, bytes);
    }

    private static string[] DoneCases(string log) =>
        [.. log.Split('\n').Where(l => l.Contains(": done,", StringComparison.Ordinal)).Select(l => l[(l.IndexOf(']', StringComparison.Ordinal) + 2)..l.IndexOf(':', StringComparison.Ordinal)]).Order(StringComparer.Ordinal)];

    /// <summary>Both folders hold the same visible files with the same bytes, and no temporaries.</summary>
    private static void AssertSameFiles(string expected, string actual, string[] ignore)
    {
        string[] Names(string folder) => [.. Directory.GetFiles(folder).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal)];
        Assert.Equal(Names(expected), Names(actual));
        foreach (string name in Names(expected).Where(n => !ignore.Contains(n)))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name))), $"{name} differs");
        }
    }
}
