using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Tests.Io;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Pipeline;

/// <summary>Whole predictions of the sample cases against nnU-Net's own segmentations.</summary>
public class SegModelTests(SampleModels models) : IClassFixture<SampleModels>
{
    /// <summary>NIfTI-1 header plus the 4-byte extension flag: everything but the voxels.</summary>
    private const int HeaderBytes = 352;

    public static TheoryData<string, bool, string> Runs() => SampleRuns.All();

    /// <summary>
    /// Only the network may differ (ORT vs torch, ~4e-5 on these logits), so nearly every voxel must agree, and the
    /// header (affine, pixdim, codes, datatype) must be nnU-Net's byte for byte.
    /// </summary>
    [Theory]
    [MemberData(nameof(Runs))]
    public void PredictionMatchesNnUNet(string configuration, bool tta, string caseId)
    {
        SegModel model = models.Get(configuration, tta);
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ".nii.gz");

        model.PredictFile([TestPaths.SampleCase(caseId)], output);

        string reference = TestPaths.SampleReference(SampleRuns.Name(configuration, tta), caseId);
        byte[] ours = NiftiFixtures.Decompress(output);
        byte[] theirs = NiftiFixtures.Decompress(reference);
        Assert.Equal(theirs.Length, ours.Length);
        Assert.Equal(theirs.AsSpan(0, HeaderBytes).ToArray(), ours.AsSpan(0, HeaderBytes).ToArray());
        int voxels = theirs.Length - HeaderBytes;
        int differing = 0;
        for (int i = HeaderBytes; i < theirs.Length; i++)
        {
            differing += theirs[i] != ours[i] ? 1 : 0;
        }

        Assert.True(differing <= voxels / 10_000, $"{differing} of {voxels} voxels differ from nnU-Net's");
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(output)!, ".*.tmp"));
    }

    [Fact]
    public void InMemoryPredictionEqualsTheFileAndKeepsTheImage()
    {
        SegModel model = models.Get("3d_fullres", tta: false);
        string output = Path.Combine(TestPaths.NewTempFolder(), "case_003.nii.gz");
        model.PredictFile([TestPaths.SampleCase("case_003")], output);
        using ImageVolume image = model.ReadImage([TestPaths.SampleCase("case_003")]);
        float[] before = image.Data.Span.ToArray();

        using LabelMap labels = model.Predict(image);

        Assert.Equal(before, image.Data.Span.ToArray());
        Assert.Equal(image.Geometry.OriginalShape, labels.Shape);
        byte[] written = NiftiFixtures.Decompress(output)[HeaderBytes..];
        Assert.Equal(written, labels.Bytes.ToArray());
    }

    [Fact]
    public void ProbabilitiesAreWrittenBesideTheSegmentation()
    {
        SegModel model = models.Get("3d_fullres", tta: true);
        string folder = TestPaths.NewTempFolder();
        string output = Path.Combine(folder, "case_003.nii.gz");
        string npz = Path.Combine(folder, "case_003.npz");

        model.PredictFile([TestPaths.SampleCase("case_003")], output, npz);

        float maxDifference = SampleRuns.MaxProbabilityDifference(npz, "3d_fullres_tta", "case_003", out NpyArray ours);
        ReadOnlySpan<float> a = ours.As<float>();

        // The network's ~4e-5 logit differences move softmax values by far less than this.
        Assert.True(maxDifference < 1e-3f, $"max probability difference {maxDifference}");
        Assert.True(File.Exists(Path.Combine(folder, "case_003.json")));

        byte[] labels = NiftiFixtures.Decompress(output)[HeaderBytes..];
        int voxels = labels.Length;
        for (int i = 0; i < voxels; i++)
        {
            int best = 0;
            for (int k = 1; k < (int)ours.Shape[0]; k++)
            {
                best = a[(k * voxels) + i] > a[(best * voxels) + i] ? k : best;
            }

            Assert.True(best == labels[i], $"voxel {i}: label {labels[i]}, probabilities say {best}");
        }
    }

    [Fact]
    public void CancellationStopsThePrediction()
    {
        SegModel model = models.Get("3d_fullres", tta: false);
        using ImageVolume image = model.ReadImage([TestPaths.SampleCase("case_003")]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => model.Predict(image, cancelled.Token));
    }

    [Fact]
    public void ProgressReportsEveryStageInOrder()
    {
        SegModel model = models.Get("3d_fullres", tta: false);
        string output = Path.Combine(TestPaths.NewTempFolder(), "case_003.nii.gz");
        var reports = new List<SegProgress>();

        model.PredictFile([TestPaths.SampleCase("case_003")], output, null, null, new CallbackProgress(reports.Add));

        Assert.Equal(new SegProgress(SegStage.Read, 0), reports[0]);
        Assert.Equal(new SegProgress(SegStage.Write, 1), reports[^1]);
        for (int i = 1; i < reports.Count; i++)
        {
            Assert.True(
                reports[i].Stage > reports[i - 1].Stage || (reports[i].Stage == reports[i - 1].Stage && reports[i].Fraction >= reports[i - 1].Fraction),
                $"report {i}: {reports[i]} after {reports[i - 1]}");
        }

        Assert.All(Enum.GetValues<SegStage>(), stage => Assert.Contains(new SegProgress(stage, 1), reports));
    }

    [Fact]
    public void InMemoryPredictionReportsTheSameStagesButReadAndWrite()
    {
        SegModel model = models.Get("3d_fullres", tta: false);
        using ImageVolume image = model.ReadImage([TestPaths.SampleCase("case_003")]);
        var reports = new List<SegProgress>();

        using LabelMap labels = model.Predict(image, new CallbackProgress(reports.Add));

        Assert.Equal(new SegProgress(SegStage.Preprocess, 0), reports[0]);
        Assert.Equal(new SegProgress(SegStage.Export, 1), reports[^1]);
        Assert.DoesNotContain(reports, r => r.Stage is SegStage.Read or SegStage.Write);
    }

    [Fact]
    public void CancellingFromTheProgressWritesNothing()
    {
        SegModel model = models.Get("3d_fullres", tta: false);
        string folder = TestPaths.NewTempFolder();
        using var cancellation = new CancellationTokenSource();
        var progress = new CallbackProgress(report =>
        {
            if (report.Stage == SegStage.Write)
            {
                cancellation.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(
            () => model.PredictFile([TestPaths.SampleCase("case_003")], Path.Combine(folder, "case_003.nii.gz"), null, null, progress, cancellation.Token));
        Assert.Empty(Directory.GetFiles(folder));
    }

    [Fact]
    public void AMemoryBudgetTooSmallIsRefusedBeforeAnyWork()
    {
        using SegModel model = SegModel.Load(
            TestPaths.SampleModel("3d_fullres"),
            new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, MemoryBudgetGb = 0.001 } });
        string output = Path.Combine(TestPaths.NewTempFolder(), "case_003.nii.gz");

        var error = Assert.Throws<SegEngineException>(() => model.PredictFile([TestPaths.SampleCase("case_003")], output));

        Assert.Equal(SegErrorCode.MemoryBudget, error.Code);
        Assert.Contains("memory budget is 0.001 GB", error.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, model.NetworkTime);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ThePlanCoversTheImageTheNetworkGridAndTheLabels()
    {
        SegModel model = models.Get("3d_fullres", tta: true);

        MemoryPlan plan = model.PlanMemory(new Shape3(100, 200, 300), [2.0, 0.5, 0.5]);

        long Item(string name) => plan.Items.Single(i => i.Item == name).Bytes;
        Assert.Equal(100L * 200 * 300 * sizeof(float), Item("input image"));
        Assert.Equal(200L * 100 * 150 * sizeof(float), Item("preprocessed volume (f32)"));
        Assert.Equal(100L * 200 * 300, Item("label map"));

        // Preprocessing holds the image, and before the preprocessed volume exists its nonzero mask (a byte a voxel) and
        // perhaps a cropped copy; the network stage, after preprocessing released them, does not.
        Assert.True(Item("preprocessing working memory") >= (100L * 200 * 300 * (sizeof(float) + 1)) - (200L * 100 * 150 * sizeof(float)));
        Assert.Equal(MemoryStages.Preprocessing, plan.Items.Single(i => i.Item == "input image").Stages);
        Assert.Equal(MemoryStages.Preprocessing, plan.Items.Single(i => i.Item == "preprocessing working memory").Stages);
    }

    [Fact]
    public void AFoldWithNeitherOnnxNorCheckpointIsAnErrorNamingIt()
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        string checkpoint = Path.Combine(model, "fold_0", "checkpoint_final.pth");
        File.Delete(Path.Combine(model, "fold_0", "model.onnx"));
        File.Delete(checkpoint);

        var error = Assert.Throws<SegEngineException>(() => SegModel.Load(model));

        Assert.Contains(checkpoint, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class CallbackProgress(Action<SegProgress> callback) : IProgress<SegProgress>
    {
        public void Report(SegProgress value) => callback(value);
    }
}
