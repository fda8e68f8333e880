namespace SegEngine.Model.Checkpoints;

// What the unpickler builds. Python values map to plain .NET values: None → null, bool, int → long (BigInteger past
// 64 bits), float → double, str → string, bytes → byte[], list → List<object?>; the types below cover the rest.
// Nothing is ever executed: a global is only a name, and calling it only records the call.

/// <summary>A Python global (<c>GLOBAL</c>/<c>STACK_GLOBAL</c>), kept as its module and name.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => $"{Module}.{Name}";

    public override string ToString() => FullName;
}

/// <summary>An immutable Python tuple.</summary>
internal sealed class PickleTuple(object?[] items)
{
    public IReadOnlyList<object?> Items { get; } = items;

    public int Count => Items.Count;

    public object? this[int index] => Items[index];
}

/// <summary>
/// A Python dict (also <c>collections.OrderedDict</c>), keys in insertion order. Keys are compared by value for
/// strings and numbers, by identity otherwise; a repeated key replaces the earlier value, as in Python.
/// </summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object?, object?>> entries = [];

    // Position of each non-null key in entries, so that filling a dict stays linear in its size.
    private readonly Dictionary<object, int> positions = [];
    private int nullKeyPosition = -1;

    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => entries;

    public int Count => entries.Count;

    /// <summary>Instance state set by <c>BUILD</c> (e.g. the <c>_metadata</c> of a torch state dict).</summary>
    public object? State { get; internal set; }

    public bool TryGetValue(string key, out object? value)
    {
        if (positions.TryGetValue(key, out int position))
        {
            value = entries[position].Value;
            return true;
        }

        value = null;
        return false;
    }

    internal void Set(object? key, object? value)
    {
        int position = key is null ? nullKeyPosition : positions.GetValueOrDefault(key, -1);
        if (position >= 0)
        {
            entries[position] = new(key, value);
            return;
        }

        if (key is null)
        {
            nullKeyPosition = entries.Count;
        }
        else
        {
            positions[key] = entries.Count;
        }

        entries.Add(new(key, value));
    }
}

/// <summary>
/// A call the pickle asked for (<c>REDUCE</c>, <c>NEWOBJ</c>), recorded instead of run: the callable (usually a
/// <see cref="PickleGlobal"/>), its arguments, and whatever <c>BUILD</c>, <c>SETITEMS</c> or <c>APPENDS</c> later added.
/// </summary>
internal sealed class PickleCall(object callable, PickleTuple arguments, bool isNewObject)
{
    public object Callable { get; } = callable;

    public PickleTuple Arguments { get; } = arguments;

    /// <summary>True for <c>cls.__new__(cls, *args)</c> (NEWOBJ), false for <c>callable(*args)</c> (REDUCE).</summary>
    public bool IsNewObject { get; } = isNewObject;

    public PickleDict? KeywordArguments { get; internal init; }

    public object? State { get; internal set; }

    public PickleDict? DictItems { get; internal set; }

    public List<object?>? ListItems { get; internal set; }

    /// <summary>The callable's dotted name when it is a global, e.g. <c>torch._utils._rebuild_tensor_v2</c>.</summary>
    public string? CallableName => (Callable as PickleGlobal)?.FullName;
}

/// <summary>
/// A torch storage named by a persistent id (<c>('storage', torch.FloatStorage, key, location, numel)</c>).
/// The bytes stay in the archive under <c>&lt;archive&gt;/data/&lt;key&gt;</c>; nothing is read here.
/// </summary>
/// <param name="StorageType">The storage class name, e.g. <c>FloatStorage</c>.</param>
/// <param name="Key">The archive record name.</param>
/// <param name="Location">The device it was saved from, e.g. <c>cpu</c> or <c>cuda:0</c>.</param>
/// <param name="ElementCount">Elements of the storage type (bytes for <c>UntypedStorage</c>).</param>
internal sealed record PickleStorage(string StorageType, string Key, string Location, long ElementCount);

/// <summary>Reading helpers shared by the interpreters of unpickled trees.</summary>
internal static class PickleValues
{
    /// <summary>A short description of a value for error messages, e.g. <c>the string 'abc'</c> or <c>a tuple of 3</c>.</summary>
    public static string Describe(object? value) =>
        value switch
        {
            null => "None",
            string text => $"the string '{(text.Length <= 40 ? text : text[..40] + "...")}'",
            PickleTuple tuple => $"a tuple of {tuple.Count}",
            PickleGlobal global => $"the global {global.FullName}",
            PickleCall { CallableName: string name } => $"a call of {name}",
            _ => $"a {value.GetType().Name}",
        };

    /// <summary>
    /// A Python bytes value: <c>bytes</c> itself, or (protocol 2, which has no bytes opcode) the recorded call
    /// <c>_codecs.encode(text, 'latin1')</c> that Python pickles in its place. Null for anything else.
    /// </summary>
    public static byte[]? AsBytes(object? value) =>
        value switch
        {
            byte[] bytes => bytes,
            PickleCall { CallableName: "_codecs.encode", Arguments: { Count: 2 } arguments }
                when arguments[0] is string text && arguments[1] is "latin1" or "latin-1" && text.All(c => c <= '\u00ff')
                => System.Text.Encoding.Latin1.GetBytes(text),
            _ => null,
        };
}
