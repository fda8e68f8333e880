using SegEngine.Inference;
using SegEngine.Model;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Inference;

/// <summary>
/// The graph's estimate of ORT's working memory per tile: the liveness rules on hand-made graphs, and the estimate
/// against what the first real tile measures on the sample models (3d_fullres and 2d).
/// </summary>
public class ActivationMemoryEstimateTests
{
    private static readonly Dictionary<string, long[]> NoInts = [];
    private static readonly Dictionary<string, string> NoStrings = [];

    private static OnnxGraphNodes.Node Node(string op, string[] inputs, string output, Dictionary<string, long[]>? ints = null) =>
        new(op, inputs, [output], ints ?? NoInts, NoStrings);

    [Fact]
    public void TheLargestLiveSetOfAUNetLikeGraphIsCounted()
    {
        // x(1,1,8,8,8) → conv a(1,4,8,8,8) → in-place LeakyRelu b → strided conv c(1,8,4,4,4) → transposed conv d(1,4,8,8,8)
        // → concat(b, d) e(1,8,8,8,8) → conv y(1,2,8,8,8), the graph output.
        var pads = new Dictionary<string, long[]> { ["pads"] = [1, 1, 1, 1, 1, 1] };
        var down = new Dictionary<string, long[]> { ["pads"] = [1, 1, 1, 1, 1, 1], ["strides"] = [2, 2, 2] };
        var up = new Dictionary<string, long[]> { ["strides"] = [2, 2, 2] };
        var graph = new OnnxGraphNodes(
            [
                Node("Conv", ["x", "w1"], "a", pads),
                Node("LeakyRelu", ["a"], "b"),
                Node("Conv", ["b", "w2"], "c", down),
                Node("ConvTranspose", ["c", "w3"], "d", up),
                Node("Concat", ["b", "d"], "e", new() { ["axis"] = [1] }),
                Node("Conv", ["e", "w4"], "y", pads),
            ],
            new Dictionary<string, long[]> { ["w1"] = [4, 1, 3, 3, 3], ["w2"] = [8, 4, 3, 3, 3], ["w3"] = [8, 4, 2, 2, 2], ["w4"] = [2, 8, 3, 3, 3] },
            new Dictionary<string, long[]>(),
            ["x"],
            ["y"]);

        long voxels = 8 * 8 * 8;
        // At the concat: b (4 channels), d (4) and e (8) alive; at the transposed conv: b, c (8 at 4³), d and its
        // column buffer (4 × 8 taps × 4³ input voxels) — smaller.
        // Scaled by the arena's measured overhead over the live set, a third.
        long expected = (4 + 4 + 8) * voxels * sizeof(float) * 4 / 3;
        Assert.Equal(expected, ActivationMemoryEstimate.BytesPerTile(graph, [1, 1, 8, 8, 8]));
    }

    [Fact]
    public void AnOperatorWithoutShapeRulesLeavesNoEstimate()
    {
        var graph = new OnnxGraphNodes(
            [Node("Reshape", ["x", "s"], "y")], new Dictionary<string, long[]> { ["s"] = [3] }, new Dictionary<string, long[]>(), ["x"], ["y"]);

        Assert.Null(ActivationMemoryEstimate.BytesPerTile(graph, [1, 1, 8, 8, 8]));
    }

    /// <summary>
    /// <paramref name="measured"/> is the first tile's working-set growth (output buffer excluded, as from the planned figure here) in a fresh process
    /// with nothing else running, 1 thread: inside the parallel test run, memory freed by other tests is reused and the
    /// growth reads far too low, so the reference is fixed here. The estimate may exceed it by the arena's third
    /// (calibrated on ResEnc M, 1.677 vs 1.683 GB in perf/results/network.md) but must not fall short of it, beyond a
    /// few MiB of ORT's fixed buffers that weigh on tiny models only.
    /// </summary>
    [Theory]
    [InlineData("3d_fullres", 26_157_056)]
    [InlineData("2d", 2_740_224)]
    public void TheEstimateCoversWhatAFreshProcessMeasuredAndTheFirstTileRecordsIt(string configuration, long measured)
    {
        OnnxSignature onnx = ModelFolder.Load(ModelFixtures.CopySample(configuration)).Folds[0].Onnx!;
        using OrtTileNetwork network = OrtTileNetwork.Open(onnx, new InferenceOptions { Device = InferenceDevice.Cpu, Threads = 1 });
        long estimate = network.WorkingBytesPerTile - ((long)network.HeadCount * network.PatchSize.Aggregate(1, (a, b) => a * b) * sizeof(float));
        Assert.False(network.WarmedUp);
        Assert.InRange(estimate, measured - (4L << 20), (measured * 4 / 3) + (4L << 20));

        ITileNetwork tiles = network;
        tiles.InputBuffer(1).Fill(0.5f);
        tiles.Run(1);

        Assert.True(network.WarmedUp);
        Assert.True(File.Exists(NetworkMemoryRecord.PathBeside(onnx.Path)));
    }
}
