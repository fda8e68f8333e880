using Google.Protobuf;
using static SegEngine.Conversion.Onnx.OnnxFields;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// The nodes of a graph being rewritten, in order (kept ones as their source bytes, new ones encoded), the initializers
/// the new nodes use (int64 constants, reordered weights) and the source initializers no node reads any more. Every name
/// it makes starts with <see cref="NamePrefix"/>, which no source name may use.
/// </summary>
internal sealed class RewrittenGraph
{
    public const string NamePrefix = "segengine_rewrite/";

    private readonly Dictionary<string, AddedInitializer> constants = new(StringComparer.Ordinal);
    private readonly List<AddedInitializer> weights = [];

    public List<ByteString> Nodes { get; } = [];

    /// <summary>The operator domains besides the default one that the new nodes use (each imported at version 1).</summary>
    public SortedSet<string> Domains { get; } = new(StringComparer.Ordinal);

    public IEnumerable<AddedInitializer> Initializers => constants.Values.Concat(weights);

    /// <summary>Source initializers that only replaced nodes read: the rewritten model leaves them out.</summary>
    public HashSet<string> Unread { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Appends a node with one output, named <see cref="NamePrefix"/> + <c>name</c> (as is its output unless
    /// <c>output</c> names it), in the operator domain <c>domain</c> (null: the default one); returns the output.
    /// </summary>
    public string Add(string name, string opType, string[] inputs, OnnxAttribute[]? attributes = null, string? output = null, string? domain = null)
    {
        string fullName = NamePrefix + name;
        ByteString node = OnnxModelWriter.EncodeNode(new OnnxNode(fullName, opType, inputs, [output ?? fullName], attributes ?? []));
        if (domain is not null)
        {
            // Fields of one message may follow each other in any order, so the domain is appended to the encoded node.
            node = ByteString.CopyFrom([.. node.Span, .. OnnxModelWriter.Encode(field => OnnxModelWriter.WriteStringField(field, NodeDomain, domain)).Span]);
            Domains.Add(domain);
        }

        Nodes.Add(node);
        return output ?? fullName;
    }

    /// <summary>The name of an int64 constant with these values (a 1-D tensor, or a scalar when <paramref name="scalar"/>), made once.</summary>
    public string Constant(long[] values, bool scalar = false)
    {
        string name = NamePrefix + "const/" + (scalar ? "scalar" : "vector") + "/" + string.Join('_', values);
        if (!constants.ContainsKey(name))
        {
            constants[name] = AddedInitializer.Int64(name, scalar ? [] : [values.Length], values);
        }

        return name;
    }

    /// <summary>Adds a float32 initializer named <see cref="NamePrefix"/> + <paramref name="name"/>; returns its name.</summary>
    public string Weight(string name, long[] dims, ReadOnlySpan<float> values)
    {
        string fullName = NamePrefix + name;
        weights.Add(AddedInitializer.Float(fullName, dims, values));
        return fullName;
    }
}
