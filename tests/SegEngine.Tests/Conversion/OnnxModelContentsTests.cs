using Google.Protobuf;
using SegEngine.Conversion.Onnx;
using SegEngine.Conversion.Onnx.Rewrite;
using SegEngine.Inference;

namespace SegEngine.Tests.Conversion;

/// <summary>
/// The one reader of the ONNX wire format (<see cref="OnnxModelContents"/>): on the sample models, the fields and nodes
/// it reads are the whole file and each float initializer's data lies where it says; on damaged files, whatever the
/// cut or the declared length, each of its users refuses the file as an invalid model naming it, never with another
/// error and never allocating what the file cannot hold.
/// </summary>
public class OnnxModelContentsTests
{
    [Theory]
    [InlineData("2d")]
    [InlineData("3d_fullres")]
    public void TheFieldsAndNodesReadCoverTheWholeFile(string configuration)
    {
        // What the rewrite copies (the fields) and writes anew (the nodes) must be the file, byte for byte.
        string path = Path.Combine(TestPaths.SampleModel(configuration), "fold_0", "model.onnx");
        OnnxModelContents model = OnnxModelContents.Read(path);
        OnnxGraphContents graph = model.Graph!;

        long graphLength = graph.Fields.Sum(field => field.Length) + graph.Nodes.Sum(node => FieldLength(node.Encoded.Length));
        Assert.Equal(new FileInfo(path).Length, model.Fields.Sum(field => field.Length) + FieldLength(graphLength));
        // Each float initializer's raw_data: inside its field, 4 bytes a value.
        Assert.All(graph.Initializers.Where(initializer => initializer.DataType == OnnxInitializerHeader.Float), initializer =>
        {
            FileRange data = Assert.NotNull(initializer.RawData);
            Assert.Equal(initializer.Dims.Aggregate(1L, (a, b) => a * b) * sizeof(float), data.Length);
            Assert.InRange(data.Start, initializer.Field.Start + 1, initializer.Field.Start + initializer.Field.Length - data.Length);
        });
    }

    [Fact]
    public void AFileCutShortInsideItsGraphIsAnInvalidModelNamingIt()
    {
        string sample = Path.Combine(TestPaths.SampleModel("2d"), "fold_0", "model.onnx");
        byte[] whole = File.ReadAllBytes(sample);
        OnnxGraphContents graph = OnnxModelContents.Read(sample).Graph!;
        // Cuts between two of the graph's fields (where a reader without a length check meets the end of the file where
        // a tag should be), just after a tag, and inside the weights.
        IEnumerable<long> cuts = graph.Fields.SelectMany(field => new[] { field.Start, field.Start + 1 })
            .Concat(graph.Initializers.Where(i => i.RawData is not null).Select(i => i.RawData!.Value.Start + (i.RawData.Value.Length / 2)))
            .Distinct()
            .Where((_, index) => index % 5 == 0);
        string folder = TestPaths.NewTempFolder();

        foreach (long cut in cuts)
        {
            string path = Path.Combine(folder, $"cut-{cut}.onnx");
            File.WriteAllBytes(path, whole[..(int)cut]);

            AssertInvalidModel(path, () => OnnxModelHeader.Read(path));
            AssertInvalidModel(path, () => OnnxGraphNodes.Read(path));
            using (FileStream stream = File.OpenRead(path))
            {
                Assert.True(Record.Exception(() => OnnxModelLayout.Read(stream)) is InvalidDataException or InvalidProtocolBufferException, $"cut at {cut}");
            }

            File.Delete(path);
        }
    }

    [Fact]
    public void AGraphDeclaredLongerThanTheFileIsRefusedBeforeItIsRead()
    {
        // Field 7 (graph), length-delimited, declaring 2 GiB less 16 bytes, then a few bytes of "graph".
        string path = Path.Combine(TestPaths.NewTempFolder(), "long-graph.onnx");
        File.WriteAllBytes(path, [0x3A, 0xF0, 0xFF, 0xFF, 0xFF, 0x07, 0x0A, 0x00]);

        var error = AssertInvalidModel(path, () => OnnxModelHeader.Read(path));
        Assert.Contains("runs past the end of the 8-byte file", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A length-delimited field of a number under 16 (a one-byte tag) holding <paramref name="length"/> bytes.</summary>
    private static long FieldLength(long length) => 1 + CodedOutputStream.ComputeLengthSize((int)length) + length;

    private static SegEngineException AssertInvalidModel(string path, Action read)
    {
        var error = Assert.Throws<SegEngineException>(read);
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        return error;
    }
}
