using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace SegEngine.Model.Checkpoints;

/// <summary>
/// A safe unpickler for the binary protocols (2–5) that <c>torch.save</c> writes. It interprets the opcode stream
/// into inert values: globals become <see cref="PickleGlobal"/> names, calls become
/// <see cref="PickleCall"/> records, storage persistent ids become <see cref="PickleStorage"/> records. Nothing is
/// imported or executed. Every length is checked against the bytes that remain before anything is allocated, and
/// every malformed input (truncation, unknown opcode, stack underflow, memo miss) is an
/// <see cref="SegErrorCode.InvalidModel"/> error naming the source and the byte offset.
/// </summary>
/// <remarks>
/// Semantics follow CPython's <c>pickle._Unpickler</c> (MARK opens a new stack, POP_MARK returns to the previous one).
/// <c>collections.OrderedDict()</c> is the one call it evaluates, into a <see cref="PickleDict"/>, because torch state
/// dicts are filled through SETITEMS afterwards. A global outside the allow-list (by default
/// <see cref="CheckpointGlobals"/>) refuses the whole pickle, naming the global and where the tree holds it: the
/// pickle was made to run code in Python's loader. nnunet-parity.md §1.4.
/// </remarks>
internal sealed class PickleReader
{
    private const int HighestProtocol = 5;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] data;
    private readonly string source;
    private readonly Func<PickleGlobal, bool> isAllowed;
    private readonly Stack<List<object?>> metastack = new();
    private readonly Dictionary<long, object?> memo = [];
    private List<object?> stack = [];
    private int position;
    private int opcodeStart;

    // The first global outside the allow-list and its byte offset; refused once the tree is complete, to say where it is.
    private (PickleGlobal Global, int Offset)? refused;

    private PickleReader(byte[] data, string source, Func<PickleGlobal, bool> isAllowed)
    {
        this.data = data;
        this.source = source;
        this.isAllowed = isAllowed;
    }

    /// <summary>Reads one checkpoint pickle from <paramref name="data"/> up to its STOP opcode, allowing only <see cref="CheckpointGlobals"/>.</summary>
    /// <param name="data">The pickle bytes (e.g. a checkpoint's <c>data.pkl</c>).</param>
    /// <param name="source">Names the input in error messages, e.g. <c>fold_0/checkpoint_final.pth:archive/data.pkl</c>.</param>
    public static object? Read(byte[] data, string source) => Read(data, source, CheckpointGlobals.IsAllowed);

    /// <summary>Reads one pickle that may name only the globals <paramref name="isAllowed"/> accepts.</summary>
    public static object? Read(byte[] data, string source, Func<PickleGlobal, bool> isAllowed)
    {
        ArgumentNullException.ThrowIfNull(isAllowed);
        var reader = new PickleReader(data, source, isAllowed);
        object? root = reader.Run();
        if (reader.refused is ({ } global, int offset))
        {
            string where = PickleGlobalLocator.Find(root, global) is { } path ? $"at {path}" : "outside the unpickled object";
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{source}: global '{global.FullName}' {where} (pickle byte {offset}) is not allowed: a checkpoint may only name the globals of nnU-Net's checkpoints (torch tensors and storages, collections.OrderedDict, NumPy values); PyTorch's loader would run this one"));
        }

        return root;
    }

    private object? Run()
    {
        while (position < data.Length)
        {
            opcodeStart = position;
            byte opcode = data[position++];
            switch (opcode)
            {
                case 0x80: // PROTO
                    int protocol = ReadByte();
                    if (protocol > HighestProtocol)
                    {
                        throw Malformed($"unsupported pickle protocol {protocol} (at most {HighestProtocol})");
                    }

                    break;
                case 0x95: // FRAME: framing is advisory; the length only has to fit.
                    ReadLength(8, "frame");
                    break;
                case (byte)'.': // STOP
                    return Pop();
                case (byte)'(': // MARK
                    metastack.Push(stack);
                    stack = [];
                    break;
                case (byte)'0': // POP
                    Pop();
                    break;
                case (byte)'1': // POP_MARK
                    PopMark();
                    break;
                case (byte)'2': // DUP
                    Push(Peek());
                    break;
                case (byte)'N': // NONE
                    Push(null);
                    break;
                case 0x88: // NEWTRUE
                    Push(true);
                    break;
                case 0x89: // NEWFALSE
                    Push(false);
                    break;
                case (byte)'K': // BININT1
                    Push((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2, "BININT2")));
                    break;
                case (byte)'J': // BININT
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4, "BININT")));
                    break;
                case 0x8a: // LONG1
                    Push(ReadLong(ReadByte()));
                    break;
                case 0x8b: // LONG4
                    Push(ReadLong(ReadLength(4, "LONG4")));
                    break;
                case (byte)'G': // BINFLOAT, big-endian
                    Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8, "BINFLOAT")));
                    break;
                case (byte)'X': // BINUNICODE
                    Push(ReadUtf8(ReadLength(4, "BINUNICODE")));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    Push(ReadUtf8(ReadByte()));
                    break;
                case 0x8d: // BINUNICODE8
                    Push(ReadUtf8(ReadLength(8, "BINUNICODE8")));
                    break;
                case (byte)'T': // BINSTRING (Python 2 str), read as Latin-1
                    Push(Encoding.Latin1.GetString(ReadBytes(ReadLength(4, "BINSTRING"), "BINSTRING")));
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    Push(Encoding.Latin1.GetString(ReadBytes(ReadByte(), "SHORT_BINSTRING")));
                    break;
                case (byte)'B': // BINBYTES
                    Push(ReadBytes(ReadLength(4, "BINBYTES"), "BINBYTES").ToArray());
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    Push(ReadBytes(ReadByte(), "SHORT_BINBYTES").ToArray());
                    break;
                case 0x8e: // BINBYTES8
                    Push(ReadBytes(ReadLength(8, "BINBYTES8"), "BINBYTES8").ToArray());
                    break;
                case (byte)')': // EMPTY_TUPLE
                    Push(new PickleTuple([]));
                    break;
                case 0x85: // TUPLE1
                    Push(new PickleTuple(PopMany(1)));
                    break;
                case 0x86: // TUPLE2
                    Push(new PickleTuple(PopMany(2)));
                    break;
                case 0x87: // TUPLE3
                    Push(new PickleTuple(PopMany(3)));
                    break;
                case (byte)'t': // TUPLE
                    Push(new PickleTuple(PopMark().ToArray()));
                    break;
                case (byte)']': // EMPTY_LIST
                    Push(new List<object?>());
                    break;
                case (byte)'l': // LIST
                    Push(PopMark());
                    break;
                case (byte)'}': // EMPTY_DICT
                    Push(new PickleDict());
                    break;
                case (byte)'d': // DICT
                    var dict = new PickleDict();
                    AddPairs(dict, PopMark());
                    Push(dict);
                    break;
                case (byte)'s': // SETITEM
                    object? value = Pop();
                    object? key = Pop();
                    AddPairs(DictTarget(), [key, value]);
                    break;
                case (byte)'u': // SETITEMS
                    List<object?> pairs = PopMark();
                    AddPairs(DictTarget(), pairs);
                    break;
                case (byte)'a': // APPEND
                    object? item = Pop();
                    ListTarget().Add(item);
                    break;
                case (byte)'e': // APPENDS
                    List<object?> items = PopMark();
                    ListTarget().AddRange(items);
                    break;
                case (byte)'q': // BINPUT
                    memo[ReadByte()] = Peek();
                    break;
                case (byte)'r': // LONG_BINPUT
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4, "LONG_BINPUT"))] = Peek();
                    break;
                case 0x94: // MEMOIZE
                    memo[memo.Count] = Peek();
                    break;
                case (byte)'h': // BINGET
                    Push(MemoGet(ReadByte()));
                    break;
                case (byte)'j': // LONG_BINGET
                    Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4, "LONG_BINGET"))));
                    break;
                case (byte)'c': // GLOBAL: "module\nname\n"
                    string module = ReadLine("GLOBAL module");
                    PushGlobal(new PickleGlobal(module, ReadLine("GLOBAL name")));
                    break;
                case 0x93: // STACK_GLOBAL
                    object? name = Pop();
                    object? moduleName = Pop();
                    if (moduleName is not string moduleText || name is not string nameText)
                    {
                        throw Malformed("STACK_GLOBAL needs two strings");
                    }

                    PushGlobal(new PickleGlobal(moduleText, nameText));
                    break;
                case (byte)'R': // REDUCE
                    PickleTuple arguments = PopTuple("REDUCE");
                    Push(Reduce(PopCallable("REDUCE"), arguments));
                    break;
                case 0x81: // NEWOBJ
                    PickleTuple newArguments = PopTuple("NEWOBJ");
                    Push(new PickleCall(PopCallable("NEWOBJ"), newArguments, isNewObject: true));
                    break;
                case 0x92: // NEWOBJ_EX
                    if (Pop() is not PickleDict keywords)
                    {
                        throw Malformed("NEWOBJ_EX needs a dict of keyword arguments");
                    }

                    PickleTuple positional = PopTuple("NEWOBJ_EX");
                    Push(new PickleCall(PopCallable("NEWOBJ_EX"), positional, isNewObject: true) { KeywordArguments = keywords });
                    break;
                case (byte)'b': // BUILD
                    Build(Pop(), Peek());
                    break;
                case (byte)'Q': // BINPERSID
                    Push(PersistentStorage(Pop()));
                    break;
                default:
                    throw Malformed($"unknown or unsupported opcode 0x{opcode:x2}");
            }
        }

        throw Malformed("ends without a STOP opcode (truncated)");
    }

    private void PushGlobal(PickleGlobal global)
    {
        if (refused is null && !isAllowed(global))
        {
            refused = (global, opcodeStart);
        }

        Push(global);
    }

    private static object Reduce(object callable, PickleTuple arguments) =>
        callable is PickleGlobal { Module: "collections", Name: "OrderedDict" } && arguments.Count == 0
            ? new PickleDict()
            : new PickleCall(callable, arguments, isNewObject: false);

    private void Build(object? state, object? target)
    {
        switch (target)
        {
            case PickleCall call:
                call.State = state;
                break;
            case PickleDict dict:
                dict.State = state;
                break;
            default:
                throw Malformed($"BUILD applied to {PickleValues.Describe(target)}");
        }
    }

    private PickleStorage PersistentStorage(object? persistentId)
    {
        if (persistentId is PickleTuple { Count: 5 } id
            && id[0] is "storage"
            && id[1] is PickleGlobal storageType
            && id[2] is string key
            && id[3] is string location
            && id[4] is long elementCount
            && elementCount >= 0)
        {
            return new PickleStorage(storageType.Name, key, location, elementCount);
        }

        throw Malformed($"unsupported persistent id {PickleValues.Describe(persistentId)} (expected ('storage', type, key, location, numel))");
    }

    private void AddPairs(PickleDict dict, List<object?> pairs)
    {
        if (pairs.Count % 2 != 0)
        {
            throw Malformed($"SETITEMS with an odd number of items ({pairs.Count})");
        }

        for (int i = 0; i < pairs.Count; i += 2)
        {
            dict.Set(pairs[i], pairs[i + 1]);
        }
    }

    private PickleDict DictTarget() =>
        Peek() switch
        {
            PickleDict dict => dict,
            PickleCall call => call.DictItems ??= new PickleDict(),
            var other => throw Malformed($"SETITEM applied to {PickleValues.Describe(other)}"),
        };

    private List<object?> ListTarget() =>
        Peek() switch
        {
            List<object?> list => list,
            PickleCall call => call.ListItems ??= [],
            var other => throw Malformed($"APPEND applied to {PickleValues.Describe(other)}"),
        };

    private PickleTuple PopTuple(string opcodeName) =>
        Pop() as PickleTuple ?? throw Malformed($"{opcodeName} needs a tuple of arguments");

    /// <summary>Only a global, or what calling one returned, can be called.</summary>
    private object PopCallable(string opcodeName) =>
        Pop() switch
        {
            PickleGlobal global => global,
            PickleCall call => call,
            var other => throw Malformed($"{opcodeName} calls {PickleValues.Describe(other)}, which is not a global"),
        };

    private object? MemoGet(long index) =>
        memo.TryGetValue(index, out object? value) ? value : throw Malformed($"memo miss: no entry {index}");

    private void Push(object? value) => stack.Add(value);

    private object? Peek() =>
        stack.Count > 0 ? stack[^1] : throw Malformed("stack underflow");

    private object? Pop()
    {
        object? top = Peek();
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private object?[] PopMany(int count)
    {
        if (stack.Count < count)
        {
            throw Malformed("stack underflow");
        }

        object?[] items = stack.GetRange(stack.Count - count, count).ToArray();
        stack.RemoveRange(stack.Count - count, count);
        return items;
    }

    private List<object?> PopMark()
    {
        if (metastack.Count == 0)
        {
            throw Malformed("no MARK to pop to");
        }

        List<object?> items = stack;
        stack = metastack.Pop();
        return items;
    }

    private int ReadByte() => ReadBytes(1, "operand")[0];

    private ReadOnlySpan<byte> ReadBytes(int count, string what)
    {
        if (count > data.Length - position)
        {
            throw Malformed($"{what} needs {count} bytes but only {data.Length - position} remain (truncated)");
        }

        var bytes = new ReadOnlySpan<byte>(data, position, count);
        position += count;
        return bytes;
    }

    /// <summary>Reads a little-endian length prefix of 4 or 8 bytes; it must fit in what remains of the input.</summary>
    private int ReadLength(int prefixBytes, string what)
    {
        ReadOnlySpan<byte> prefix = ReadBytes(prefixBytes, what);
        ulong length = prefixBytes == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(prefix) : BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length > (ulong)(data.Length - position))
        {
            throw Malformed($"{what} claims {length} bytes but only {data.Length - position} remain");
        }

        return (int)length;
    }

    private object ReadLong(int byteCount)
    {
        ReadOnlySpan<byte> bytes = ReadBytes(byteCount, "LONG");
        if (byteCount == 0)
        {
            return 0L;
        }

        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (object)(long)value : value;
    }

    private string ReadUtf8(int byteCount)
    {
        ReadOnlySpan<byte> bytes = ReadBytes(byteCount, "string");
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("string is not valid UTF-8");
        }
    }

    private string ReadLine(string what)
    {
        int end = Array.IndexOf(data, (byte)'\n', position);
        if (end < 0)
        {
            throw Malformed($"{what} has no line end (truncated)");
        }

        string line = ReadUtf8(end - position);
        position = end + 1;
        return line;
    }

    private SegEngineException Malformed(string problem) =>
        new(SegErrorCode.InvalidModel, string.Create(CultureInfo.InvariantCulture, $"{source}: malformed pickle at byte {opcodeStart}: {problem}"));
}
