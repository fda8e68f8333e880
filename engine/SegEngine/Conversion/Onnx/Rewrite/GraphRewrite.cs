using System.Security.Cryptography;
using Google.Protobuf;
using SegEngine.Inference;
using SegEngine.Io;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// The load-time graph rewrite for ONNX Runtime's CPU provider: every 3-D convolution that <see cref="DepthSliceRule"/>
/// picks becomes a <see cref="DepthSliceConvolution"/>. The rewritten model is cached beside the source
/// (<c>{model}.segengine-rewrite.onnx</c>), or in the temp folder when that folder cannot be written, and reused while
/// its recorded key (<see cref="KeyOf"/>) matches. The rewrite is made for one input shape (each convolution's input
/// height is fixed in it), which is part of the key.
/// </summary>
/// <remarks>
/// The rewrite only ever speeds a model up: a model it cannot read, one with nothing to rewrite, an opset older than 13
/// or a cache it cannot write all leave the source path, and ORT then reports whatever is wrong with the source itself.
/// </remarks>
internal static class GraphRewrite
{
    /// <summary>Raised whenever the rewritten graph changes, so caches made by an older rule are remade.</summary>
    public const int Version = 7;

    public const string FileSuffix = ".segengine-rewrite.onnx";

    /// <summary>The <c>metadata_props</c> key of a rewritten model; its value is the cache key.</summary>
    public const string MetadataKey = "segengine_graph_rewrite";

    private const long MinimumOpset = 13;

    /// <summary>
    /// The ONNX file the session should open for <paramref name="sourcePath"/> run on tiles of <paramref name="inputShape"/>
    /// (its batch may vary): its rewrite, or the source itself.
    /// </summary>
    public static string Prepare(string sourcePath, IReadOnlyList<long> inputShape)
    {
        string key;
        try
        {
            key = KeyOf(sourcePath, inputShape);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return sourcePath;
        }

        foreach (string candidate in Candidates(sourcePath, key))
        {
            if (RecordedKey(candidate) == key)
            {
                return candidate;
            }
        }

        foreach (string candidate in Candidates(sourcePath, key))
        {
            try
            {
                return TryWrite(sourcePath, candidate, key, inputShape) ? candidate : sourcePath;
            }
            catch (InvalidDataException)
            {
                return sourcePath;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException || (e is SegEngineException s && s.Code == SegErrorCode.Io))
            {
                // Unwritable here: try the next place, or run the source as it is.
            }
        }

        return sourcePath;
    }

    /// <summary>Rewrites <paramref name="sourcePath"/> for <paramref name="inputShape"/> into <paramref name="targetPath"/>; false when nothing in it is rewritten.</summary>
    public static bool TryWrite(string sourcePath, string targetPath, string key, IReadOnlyList<long> inputShape)
    {
        using FileStream source = new(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        OnnxModelContents model;
        OnnxModelLayout layout;
        try
        {
            model = OnnxModelContents.Read(source);
            layout = OnnxModelLayout.Of(model);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            return false;
        }

        // Shapes are inferred only for a model with a convolution the rule may pick.
        bool candidates = layout.Nodes.Any(node => DepthSliceConvolution.TryMatch(node, layout.InitializerDims) is { } c && DepthSliceRule.Profits(c));
        if (!candidates || ActivationMemoryEstimate.TensorShapes(OnnxGraphNodes.Of(model.Graph), inputShape) is not { } shapes)
        {
            return false;
        }

        RewrittenGraph? graph = Rewrite(layout, shapes, source);
        if (graph is null)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(targetPath))!);
        using AtomicFile output = AtomicFile.Create(targetPath);
        RewrittenModelWriter.Write(source, layout, graph, new KeyValuePair<string, string>(MetadataKey, key), output.Stream);
        output.Commit();
        return true;
    }

    /// <summary>
    /// The rewritten nodes of <paramref name="layout"/>, whose tensors have <paramref name="shapes"/>, with the
    /// rewritten convolutions' weights read from <paramref name="source"/>, or null when the rule picks none or the
    /// model cannot take the rewrite.
    /// </summary>
    public static RewrittenGraph? Rewrite(OnnxModelLayout layout, IReadOnlyDictionary<string, long[]> shapes, Stream source)
    {
        if (layout.DefaultOpset < MinimumOpset || layout.Nodes.Any(node => node.Name.StartsWith(RewrittenGraph.NamePrefix, StringComparison.Ordinal)))
        {
            return null;
        }

        var graph = new RewrittenGraph();
        int rewritten = 0;
        for (int i = 0; i < layout.Nodes.Count; i++)
        {
            SourceNode node = layout.Nodes[i];
            if (DepthSliceConvolution.TryMatch(node, layout.InitializerDims) is { } convolution
                && shapes.TryGetValue(node.Inputs[0], out long[]? input) && input.Length == 5 && input[3] > 0
                && layout.FloatData.TryGetValue(node.Inputs[1], out FileRange weight)
                && DepthSliceRule.Profits(convolution))
            {
                convolution.Emit(graph, i, DepthSliceRule.NchwcBlock, input[3], ReadFloats(source, weight));
                rewritten++;
                if (!layout.GraphInputs.Contains(node.Inputs[1]) && layout.Nodes.Count(n => n.Inputs.Contains(node.Inputs[1])) == 1)
                {
                    graph.Unread.Add(node.Inputs[1]);
                }
            }
            else
            {
                graph.Nodes.Add(node.Encoded);
            }
        }

        return rewritten > 0 ? graph : null;
    }

    private static float[] ReadFloats(Stream source, FileRange range)
    {
        byte[] bytes = new byte[range.Length];
        source.Position = range.Start;
        source.ReadExactly(bytes);
        float[] values = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return values;
    }

    /// <summary>
    /// The cache key of a source file for an input shape: its SHA-256, the rewrite version, the CPU's NCHWc block, which
    /// the rule depends on, and the input's shape without its batch.
    /// </summary>
    public static string KeyOf(string sourcePath, IReadOnlyList<long> inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        using FileStream file = new(sourcePath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return $"version={Version};nchwc_block={DepthSliceRule.NchwcBlock};input={string.Join('x', inputShape.Skip(1))};sha256={Convert.ToHexStringLower(SHA256.HashData(file))}";
    }

    /// <summary>Beside the source, then in the temp folder under a name made from the source's path and key.</summary>
    private static IEnumerable<string> Candidates(string sourcePath, string key)
    {
        yield return sourcePath + FileSuffix;
        string name = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(sourcePath) + "\n" + key)));
        yield return Path.Combine(Path.GetTempPath(), "segengine", "rewrite", name + FileSuffix);
    }

    /// <summary>The key a rewritten file records in a <c>metadata_props</c> entry before its graph, or null; reads no further than the graph.</summary>
    private static string? RecordedKey(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }

            using FileStream file = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
            return OnnxModelContents.Read(file, upToGraph: true).Metadata.GetValueOrDefault(MetadataKey);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
