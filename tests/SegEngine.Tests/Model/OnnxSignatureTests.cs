using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Conversion.Onnx;
using SegEngine.Model;

namespace SegEngine.Tests.Model;

/// <summary>
/// The one check of a fold's ONNX inputs and outputs (<see cref="OnnxSignature"/>) and the protobuf reading it relies on,
/// which must see what ONNX Runtime sees.
/// </summary>
public class OnnxSignatureTests
{
    private const int Float = 1;
    private const int Float16 = 10;

    public static TheoryData<string> OnnxFiles() =>
    [
        Path.Combine(TestPaths.SampleModel("3d_fullres"), "fold_0", "model.onnx"),
        Path.Combine(TestPaths.SampleModel("2d"), "fold_0", "model.onnx"),
        Path.Combine(TestPaths.RepositoryRoot, "tests", "fixtures", "conversion", "resenc_2d", "fold_0", "model.onnx"),
        Path.Combine(TestPaths.RepositoryRoot, "tests", "fixtures", "conversion", "plain_3d", "fold_0", "model.onnx"),
    ];

    [Theory]
    [MemberData(nameof(OnnxFiles))]
    public void ReadsTheInputsAndOutputsAsOnnxRuntimeDoes(string path)
    {
        OnnxModelHeader header = OnnxModelHeader.Read(path);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(path, options);

        AssertSame(session.InputNames, session.InputMetadata, header.Inputs);
        AssertSame(session.OutputNames, session.OutputMetadata, header.Outputs);
        Assert.Equal(session.ModelMetadata.ProducerName, header.ProducerName);
    }

    [Fact]
    public void InitializersListedAsInputsAreNotInputs()
    {
        string folder = ModelFixtures.CopySample("2d");
        WriteSignatureOnly(
            folder,
            [new("input", Float, [-1, 1, 96, 96]), new("weight", Float, [3])],
            [new("logits", Float, [-1, 3, 96, 96])],
            initializers: ["weight"]);

        OnnxSignature onnx = ModelFolder.Load(folder).Folds[0].Onnx!;

        Assert.Equal("input", Assert.Single(onnx.Header.Inputs).Name);
    }

    [Fact]
    public void Float16OutputIsRejectedNamingTheFileAndBothTypes()
    {
        string folder = ModelFixtures.CopySample("2d");
        string onnx = WriteSignatureOnly(folder, [new("input", Float, [-1, 1, 96, 96])], [new("logits", Float16, [-1, 3, 96, 96])]);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(onnx, error.Message);
        Assert.Contains("output 'logits' has element type Float16; expected Float", error.Message);
    }

    [Fact]
    public void SeveralOutputsAreRejected()
    {
        string folder = ModelFixtures.CopySample("2d");
        WriteSignatureOnly(
            folder, [new("input", Float, [-1, 1, 96, 96])], [new("logits", Float, [-1, 3, 96, 96]), new("logits_half", Float, [-1, 3, 48, 48])]);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Contains("has 1 inputs and 2 outputs", error.Message);
    }

    [Fact]
    public void DynamicSpatialAxisIsRejectedWithThePatchSize()
    {
        string folder = ModelFixtures.CopySample("2d");
        WriteSignatureOnly(folder, [new("input", Float, [-1, 1, "height", 96])], [new("logits", Float, [-1, 3, 96, 96])]);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Contains("input 'input' has a dynamic spatial size on axis 0 [batch, 1, height, 96]", error.Message);
        Assert.Contains("patch_size [96, 96]", error.Message);
    }

    [Fact]
    public void DynamicHeadAxisIsRejected()
    {
        string folder = ModelFixtures.CopySample("2d");
        WriteSignatureOnly(folder, [new("input", Float, [-1, 1, 96, 96])], [new("logits", Float, [-1, "heads", 96, 96])]);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Contains("output 'logits' has a dynamic number of heads [batch, heads, 96, 96], but the model folder defines 3 heads", error.Message);
    }

    [Fact]
    public void FixedBatchOtherThanOneIsRejected()
    {
        string folder = ModelFixtures.CopySample("2d");
        WriteSignatureOnly(folder, [new("input", Float, [2, 1, 96, 96])], [new("logits", Float, [2, 3, 96, 96])]);

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Contains("input 'input' has a fixed batch of 2", error.Message);
    }

    [Fact]
    public void FixedBatchOfOneIsAccepted()
    {
        string folder = ModelFixtures.CopySample("2d");
        WriteSignatureOnly(folder, [new("input", Float, [1, 1, 96, 96])], [new("logits", Float, [1, 3, 96, 96])]);

        OnnxSignature onnx = ModelFolder.Load(folder).Folds[0].Onnx!;

        Assert.False(onnx.DynamicBatch);
        Assert.Equal(1, onnx.FixedBatchSize);
    }

    private static void AssertSame(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata, IReadOnlyList<OnnxTensorInfo> read)
    {
        Assert.Equal(names, read.Select(tensor => tensor.Name));
        foreach (OnnxTensorInfo tensor in read)
        {
            NodeMetadata expected = metadata[tensor.Name];
            Assert.Equal(expected.ElementDataType.ToString(), tensor.ElementType);
            Assert.Equal(expected.Dimensions.Select(size => (long)size), tensor.Dimensions);
            Assert.Equal(expected.SymbolicDimensions.Select(symbol => symbol ?? ""), tensor.DimensionNames);
        }
    }

    /// <summary>One graph input or output: sizes as numbers, named dynamic axes as strings, -1 as an unnamed dynamic one.</summary>
    private sealed record Value(string Name, int ElementType, object[] Dimensions);

    /// <summary>
    /// Replaces the folder's <c>fold_0/model.onnx</c> with a ModelProto whose graph has only the given inputs, outputs and
    /// initializer names (no nodes): enough for the signature, which is all the model folder reads.
    /// </summary>
    private static string WriteSignatureOnly(string folder, Value[] inputs, Value[] outputs, string[]? initializers = null)
    {
        byte[] graph = Message(stream =>
        {
            foreach (string name in initializers ?? [])
            {
                WriteMessage(stream, 5, Message(tensor => WriteString(tensor, 8, name)));
            }

            foreach (Value input in inputs)
            {
                WriteMessage(stream, 11, ValueInfo(input));
            }

            foreach (Value output in outputs)
            {
                WriteMessage(stream, 12, ValueInfo(output));
            }
        });
        string path = Path.Combine(folder, "fold_0", "model.onnx");
        File.WriteAllBytes(path, Message(model =>
        {
            model.WriteTag(1, WireFormat.WireType.Varint);
            model.WriteInt64(8);
            WriteMessage(model, 7, graph);
        }));
        return path;
    }

    private static byte[] ValueInfo(Value value)
    {
        byte[] shape = Message(stream =>
        {
            foreach (object size in value.Dimensions)
            {
                WriteMessage(stream, 1, Message(dimension =>
                {
                    if (size is string name)
                    {
                        WriteString(dimension, 2, name);
                    }
                    else if ((int)size == -1)
                    {
                        WriteString(dimension, 2, "batch");
                    }
                    else
                    {
                        dimension.WriteTag(1, WireFormat.WireType.Varint);
                        dimension.WriteInt64((int)size);
                    }
                }));
            }
        });
        byte[] tensorType = Message(stream =>
        {
            stream.WriteTag(1, WireFormat.WireType.Varint);
            stream.WriteInt32(value.ElementType);
            WriteMessage(stream, 2, shape);
        });
        return Message(stream =>
        {
            WriteString(stream, 1, value.Name);
            WriteMessage(stream, 2, Message(type => WriteMessage(type, 1, tensorType)));
        });
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var stream = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(stream);
        }

        return buffer.ToArray();
    }

    private static void WriteMessage(CodedOutputStream stream, int field, byte[] message)
    {
        stream.WriteTag(field, WireFormat.WireType.LengthDelimited);
        stream.WriteBytes(ByteString.CopyFrom(message));
    }

    private static void WriteString(CodedOutputStream stream, int field, string value)
    {
        stream.WriteTag(field, WireFormat.WireType.LengthDelimited);
        stream.WriteString(value);
    }
}
