namespace SegEngine.Io;

/// <summary>The NumPy element types SegEngine reads and writes.</summary>
internal enum NpyType
{
    Bool,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float16,
    Float32,
    Float64,
}

internal static class NpyTypes
{
    public static int Size(this NpyType type) => type switch
    {
        NpyType.Bool or NpyType.Int8 or NpyType.UInt8 => 1,
        NpyType.Int16 or NpyType.UInt16 or NpyType.Float16 => 2,
        NpyType.Int32 or NpyType.UInt32 or NpyType.Float32 => 4,
        _ => 8,
    };

    /// <summary>The <c>descr</c> string NumPy writes for the type on a little-endian machine.</summary>
    public static string Descr(this NpyType type) => type switch
    {
        NpyType.Bool => "|b1",
        NpyType.Int8 => "|i1",
        NpyType.UInt8 => "|u1",
        NpyType.Int16 => "<i2",
        NpyType.UInt16 => "<u2",
        NpyType.Int32 => "<i4",
        NpyType.UInt32 => "<u4",
        NpyType.Int64 => "<i8",
        NpyType.UInt64 => "<u8",
        NpyType.Float16 => "<f2",
        NpyType.Float32 => "<f4",
        NpyType.Float64 => "<f8",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static NpyType? FromDescr(string descr)
    {
        // '=' (native) is little-endian on every platform .NET runs this engine on.
        string normalized = descr.Length == 3 && descr[0] == '=' ? "<" + descr[1..] : descr;
        foreach (NpyType type in Enum.GetValues<NpyType>())
        {
            string known = type.Descr();
            if (known == normalized || (known[0] == '|' && normalized.Length == 3 && normalized[1..] == known[1..]))
            {
                return type;
            }
        }

        return null;
    }

    public static NpyType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(bool)) return NpyType.Bool;
        if (typeof(T) == typeof(sbyte)) return NpyType.Int8;
        if (typeof(T) == typeof(byte)) return NpyType.UInt8;
        if (typeof(T) == typeof(short)) return NpyType.Int16;
        if (typeof(T) == typeof(ushort)) return NpyType.UInt16;
        if (typeof(T) == typeof(int)) return NpyType.Int32;
        if (typeof(T) == typeof(uint)) return NpyType.UInt32;
        if (typeof(T) == typeof(long)) return NpyType.Int64;
        if (typeof(T) == typeof(ulong)) return NpyType.UInt64;
        if (typeof(T) == typeof(Half)) return NpyType.Float16;
        if (typeof(T) == typeof(float)) return NpyType.Float32;
        if (typeof(T) == typeof(double)) return NpyType.Float64;
        throw new NotSupportedException($"{typeof(T).Name} has no NumPy equivalent here");
    }
}
