using Google.Protobuf;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// The nodes of a graph being rewritten, in order (kept ones as their source bytes, new ones encoded), and the int64
/// constants the new nodes use. Every name it makes starts with <see cref="NamePrefix"/>, which no source name may use.
/// </summary>
internal sealed class RewrittenGraph
{
    public const string NamePrefix = "segengine_rewrite/";

    private readonly Dictionary<string, Int64Initializer> constants = new(StringComparer.Ordinal);

    public List<ByteString> Nodes { get; } = [];

    public IReadOnlyCollection<Int64Initializer> Constants => constants.Values;

    /// <summary>Shapes declared for some new values (graph <c>value_info</c>).</summary>
    public List<SymbolicValueInfo> ValueInfos { get; } = [];

    /// <summary>Appends a default-domain node with one output, named <see cref="NamePrefix"/> + <paramref name="name"/>; returns the output.</summary>
    public string Add(string name, string opType, string[] inputs, OnnxAttribute[]? attributes = null, string? output = null)
    {
        string fullName = NamePrefix + name;
        Nodes.Add(OnnxModelWriter.EncodeNode(new OnnxNode(fullName, opType, inputs, [output ?? fullName], attributes ?? [])));
        return output ?? fullName;
    }

    /// <summary>The name of an int64 constant with these values (a 1-D tensor, or a scalar when <paramref name="scalar"/>), made once.</summary>
    public string Constant(long[] values, bool scalar = false)
    {
        string name = NamePrefix + "const/" + (scalar ? "scalar" : "vector") + "/" + string.Join('_', values);
        if (!constants.ContainsKey(name))
        {
            constants[name] = new Int64Initializer(name, scalar ? [] : [values.Length], values);
        }

        return name;
    }
}
