using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Inference;

/// <summary>ORT's working memory measured on the first CPU tile, kept beside the ONNX, and reused by later loads.</summary>
public class NetworkMemoryRecordTests
{
    private static readonly InferenceOptions Cpu = new() { Device = InferenceDevice.Cpu, Threads = 1 };

    /// <summary>A private copy of the 2d sample: no memory record yet (<see cref="ModelFixtures.CopySample"/> leaves them out).</summary>
    private static OnnxSignature FreshSample() => ModelFolder.Load(ModelFixtures.CopySample("2d")).Folds[0].Onnx!;

    /// <summary>Opens the network and runs one zero tile through it, as the sliding window's first tile does.</summary>
    private static long OpenAndRunOneTile(OnnxSignature onnx, InferenceOptions options)
    {
        using OrtTileNetwork network = OrtTileNetwork.Open(onnx, options);
        Assert.False(network.WarmedUp);
        ITileNetwork tiles = network;
        tiles.InputBuffer(1).Clear();
        tiles.Run(1);
        Assert.True(network.WarmedUp);
        return network.WorkingBytesPerTile;
    }

    [Fact]
    public void TheFirstOpenRunsNothingAndTheFirstTileWritesTheRecordThatTheNextOpenReads()
    {
        OnnxSignature onnx = FreshSample();
        string record = NetworkMemoryRecord.PathBeside(onnx.Path);

        long measured;
        using (OrtTileNetwork first = OrtTileNetwork.Open(onnx, Cpu))
        {
            Assert.False(first.WarmedUp);
            Assert.False(File.Exists(record));
            ITileNetwork tiles = first;
            tiles.InputBuffer(1).Clear();
            tiles.Run(1);
            measured = first.WorkingBytesPerTile;
            Assert.True(File.Exists(record));
            tiles.Run(1);
            Assert.Equal(measured, first.WorkingBytesPerTile);
        }

        using OrtTileNetwork second = OrtTileNetwork.Open(onnx, Cpu);
        Assert.False(second.WarmedUp);
        Assert.Equal(measured, second.WorkingBytesPerTile);
    }

    [Fact]
    public void OtherThreadsAreAnotherKey()
    {
        OnnxSignature onnx = FreshSample();
        OpenAndRunOneTile(onnx, Cpu);
        string record = NetworkMemoryRecord.PathBeside(onnx.Path);
        string one = File.ReadAllText(record);

        OpenAndRunOneTile(onnx, Cpu with { Threads = 2 });

        Assert.NotEqual(one, File.ReadAllText(record));
        Assert.Contains("intra_op_threads=2", File.ReadAllText(record), StringComparison.Ordinal);
    }

    [Fact]
    public void ARecordOfOtherModelBytesIsIgnoredAndAnUnchangedModelIsNotHashedAgain()
    {
        OnnxSignature onnx = FreshSample();
        long measured = OpenAndRunOneTile(onnx, Cpu);
        string record = NetworkMemoryRecord.PathBeside(onnx.Path);
        const long Marked = 987_654_321;
        string marked = File.ReadAllText(record).Replace($"\"working_bytes_per_tile\": {measured}", $"\"working_bytes_per_tile\": {Marked}", StringComparison.Ordinal);
        int hash = marked.IndexOf("sha256=", StringComparison.Ordinal) + "sha256=".Length;
        string otherHash = string.Concat(marked.AsSpan(0, hash), new string('0', 64), marked.AsSpan(hash + 64));

        // Same size and time as the file: the recorded hash is trusted without reading the model.
        File.WriteAllText(record, otherHash);
        using (OrtTileNetwork trusted = OrtTileNetwork.Open(onnx, Cpu))
        {
            Assert.Equal(Marked, trusted.WorkingBytesPerTile);
        }

        // Looks changed (another size) and the hash differs: ignored, and the first tile rewrites it.
        File.WriteAllText(record, WithOtherModelSize(otherHash));
        Assert.NotEqual(Marked, OpenAndRunOneTile(onnx, Cpu));
        Assert.DoesNotContain(new string('0', 64), File.ReadAllText(record), StringComparison.Ordinal);

        // Looks changed but the bytes are the same (a copy, a touch): the hash matches and the record holds.
        File.WriteAllText(record, WithOtherModelSize(marked));
        using OrtTileNetwork same = OrtTileNetwork.Open(onnx, Cpu);
        Assert.Equal(Marked, same.WorkingBytesPerTile);
    }

    private static string WithOtherModelSize(string record)
    {
        const string Field = "\"model_bytes\": ";
        return record.Insert(record.IndexOf(Field, StringComparison.Ordinal) + Field.Length, "9");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"key\": ")]
    [InlineData("{\"key\": 3, \"working_bytes_per_tile\": \"many\"}")]
    [InlineData("[1, 2]")]
    public void ACorruptRecordIsIgnored(string content)
    {
        OnnxSignature onnx = FreshSample();
        File.WriteAllText(NetworkMemoryRecord.PathBeside(onnx.Path), content);

        Assert.True(OpenAndRunOneTile(onnx, Cpu) > 0);
        Assert.Contains("working_bytes_per_tile", File.ReadAllText(NetworkMemoryRecord.PathBeside(onnx.Path)), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnwritableModelFolderKeepsTheRecordInTheTempFolder()
    {
        OnnxSignature onnx = FreshSample();
        // A folder in the way makes the record unwritable beside the model even to root, which ignores permission bits.
        Directory.CreateDirectory(NetworkMemoryRecord.PathBeside(onnx.Path));

        long measured = OpenAndRunOneTile(onnx, Cpu);

        using OrtTileNetwork second = OrtTileNetwork.Open(onnx, Cpu);
        Assert.Equal(measured, second.WorkingBytesPerTile);
        Assert.True(Directory.Exists(NetworkMemoryRecord.PathBeside(onnx.Path)));
    }

    [Fact]
    public void APlanForNetworksNotWarmedUpCountsNothingAsResident()
    {
        var image = new Shape3(40, 100, 100);
        var options = new InferenceOptions();

        MemoryPlan warm = MemoryPlan.Compute(image, 1, 3, [32, 32, 32], 2, dynamicBatch: true, 1 << 20, options, mirroringAxes: []);
        MemoryPlan cold = MemoryPlan.Compute(image, 1, 3, [32, 32, 32], 2, dynamicBatch: true, 1 << 20, options, mirroringAxes: [], networksWarmedUp: false);

        Assert.Equal(2L << 20, warm.WarmedUpBytes);
        Assert.Equal(0, cold.WarmedUpBytes);
        Assert.Equal(warm.TotalBytes, cold.TotalBytes);
    }

    [Fact]
    public void ThePredictorPlansColdWhenAnyFoldStartedWithoutAWarmUp()
    {
        var predictor = new SlidingWindowPredictor(new InferenceOptions { UseMirroring = false }, mirroringAxes: []);
        var warm = new FakeTileNetwork(1, 2, [8, 8, 8], dynamicBatch: true, foldBias: 0);
        var cold = new FakeTileNetwork(1, 2, [8, 8, 8], dynamicBatch: true, foldBias: 0) { WarmedUp = false };

        Assert.Equal(2 * warm.WorkingBytesPerTile, predictor.Plan(new Shape3(8, 8, 8), [warm, warm]).WarmedUpBytes);
        Assert.Equal(0, predictor.Plan(new Shape3(8, 8, 8), [warm, cold]).WarmedUpBytes);
    }
}
