using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The folds of a multi-fold model share ORT's arena and their tile buffers: one fold's worth is planned, and the logits
/// do not change. The arena is the process's, so the test classes that load multi-fold models run one at a time.
/// </summary>
[Collection(Collection)]
public sealed class SharedFoldMemoryTests
{
    public const string Collection = "the process's shared CPU arena";

    private static readonly InferenceOptions Cpu = new() { Device = InferenceDevice.Cpu };

    [Fact]
    public void FoldsBindOneBufferPairAndThePlanCountsOneFold()
    {
        using LoadedModel model = LoadedModel.Open(ModelFixtures.CopySampleWithFolds("3d_fullres", 3), new SegModelOptions { Inference = Cpu });
        ITileNetwork[] folds = [.. model.Folds];

        Assert.All(folds, fold => Assert.True(fold.SharesFoldMemory));
        Span<float> first = folds[0].InputBuffer(1);
        Span<float> last = folds[2].InputBuffer(1);
        Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(first), ref MemoryMarshal.GetReference(last)));

        var shape = new Shape3(40, 64, 64);
        MemoryPlan shared = model.Predictor.Plan(shape, folds);
        MemoryPlan one = model.Predictor.Plan(shape, [folds[0]]);
        foreach (string item in new[] { "ORT working memory", "network batch buffers (f32)" })
        {
            Assert.Equal(Bytes(one, item), Bytes(shared, item));
            Assert.True(Bytes(one, item) > 0);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SharedFoldsGiveTheLogitsOfSeparateSessionsBitForBit(bool mirroring)
    {
        string folder = ModelFixtures.CopySampleWithFolds("3d_fullres", 2);
        using VolumeBuffer<float> image = SampleCase();
        InferenceOptions options = Cpu with { UseMirroring = mirroring };

        using LoadedModel shared = LoadedModel.Open(folder, new SegModelOptions { Inference = options });
        Half[] sharedLogits = Predict(shared.Predictor, image, [.. shared.Folds]);

        ModelFolder modelFolder = ModelFolder.Load(folder);
        using OrtTileNetwork fold0 = OrtTileNetwork.Open(modelFolder.Folds[0].Onnx!, options);
        using OrtTileNetwork fold1 = OrtTileNetwork.Open(modelFolder.Folds[1].Onnx!, options);
        Assert.False(((ITileNetwork)fold0).SharesFoldMemory);
        Half[] separateLogits = Predict(shared.Predictor, image, [fold0, fold1]);

        Assert.Equal(separateLogits.Length, sharedLogits.Length);
        Assert.True(separateLogits.AsSpan().SequenceEqual(sharedLogits));
    }

    [Fact]
    public void AFoldRebindsWhenAnotherFoldGrowsTheBuffers()
    {
        string folder = ModelFixtures.CopySampleWithFolds("2d", 2);
        using LoadedModel shared = LoadedModel.Open(folder, new SegModelOptions { Inference = Cpu });
        ITileNetwork first = shared.Folds[0];
        ITileNetwork second = shared.Folds[1];
        using OrtTileNetwork separate = OrtTileNetwork.Open(ModelFolder.Load(folder).Folds[1].Onnx!, Cpu);
        ITileNetwork reference = separate;
        var random = new Random(7);

        // The second fold binds one tile, the first fold's batch of two then replaces the arrays under that binding.
        Fill(second.InputBuffer(1), random);
        second.Run(1);
        first.InputBuffer(2);
        Fill(second.InputBuffer(1), random);
        second.InputBuffer(1).CopyTo(reference.InputBuffer(1));

        Assert.True(reference.Run(1).SequenceEqual(second.Run(1)));
    }

    [Fact]
    public void TheArenaGoesWithItsLastSessionAndTheNextModelMeasuresItsOwn()
    {
        using VolumeBuffer<float> image = SampleCase();
        foreach (string folder in new[] { ModelFixtures.CopySampleWithFolds("3d_fullres", 2), ModelFixtures.CopySampleWithFolds("3d_fullres", 2) })
        {
            using (LoadedModel model = LoadedModel.Open(folder, new SegModelOptions { Inference = Cpu }))
            {
                Predict(model.Predictor, image, [.. model.Folds]);
            }

            // The first fold ran first in an arena of its own; the second found its memory there and measured nothing.
            Assert.True(File.Exists(NetworkMemoryRecord.PathBeside(Path.Combine(folder, "fold_0", "model.onnx"))));
            Assert.False(File.Exists(NetworkMemoryRecord.PathBeside(Path.Combine(folder, "fold_1", "model.onnx"))));
        }
    }

    [Fact]
    public void AFoldThatFailsToOpenGivesTheArenaBack()
    {
        string broken = ModelFixtures.CopySampleWithFolds("2d", 2);
        ModelFolder folds = ModelFolder.Load(broken);
        File.WriteAllBytes(folds.Folds[1].Onnx!.Path, [0x08, 0x07, 0x12, 0x03]);
        var buffers = new FoldTileBuffers();
        using (OrtTileNetwork first = OrtTileNetwork.Open(folds.Folds[0].Onnx!, Cpu, buffers))
        {
            var error = Assert.Throws<SegEngineException>(() => OrtTileNetwork.Open(folds.Folds[1].Onnx!, Cpu, buffers));
            Assert.Equal(SegErrorCode.InvalidModel, error.Code);
            Assert.Contains(folds.Folds[1].Onnx!.Path, error.Message);
        }

        // Every use was given back, so the next model's first fold runs in a new arena and measures its own memory.
        string next = ModelFixtures.CopySampleWithFolds("2d", 2);
        using (LoadedModel model = LoadedModel.Open(next, new SegModelOptions { Inference = Cpu }))
        {
            ITileNetwork fold = model.Folds[0];
            fold.InputBuffer(1).Clear();
            fold.Run(1);
        }

        Assert.True(File.Exists(NetworkMemoryRecord.PathBeside(Path.Combine(next, "fold_0", "model.onnx"))));
    }

    private static void Fill(Span<float> values, Random random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)random.NextDouble();
        }
    }

    private static Half[] Predict(SlidingWindowPredictor predictor, VolumeBuffer<float> image, ITileNetwork[] folds)
    {
        using var sink = new LogitVolumeSink();
        predictor.Predict(image, folds, sink, CancellationToken.None);
        using VolumeBuffer<Half> logits = sink.TakeVolume();
        return logits.Span.ToArray();
    }

    /// <summary>nnU-Net's preprocessed sample case_003 (3d_fullres).</summary>
    private static VolumeBuffer<float> SampleCase()
    {
        NpyArray input = Npy.Read(Path.Combine(TestPaths.SampleIntermediate("3d_fullres", "case_003"), "preprocessed.npy"));
        var image = VolumeBuffer<float>.Allocate((int)input.Shape[0], new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]));
        input.As<float>().CopyTo(image.Span);
        return image;
    }

    private static long Bytes(MemoryPlan plan, string item) => plan.Items.Single(i => i.Item == item).Bytes;
}
