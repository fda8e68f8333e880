using System.Buffers.Binary;

namespace SegEngine.Model.Checkpoints;

/// <summary>A NumPy array from a pickle, widened to double, in C order.</summary>
/// <param name="Shape">The array's shape.</param>
/// <param name="Values">The elements in C order.</param>
internal sealed record NumPyArrayValue(long[] Shape, double[] Values);

/// <summary>
/// Interprets the NumPy values a pickle holds (nnU-Net's <c>logging</c> lists are full of them): scalars become
/// <see cref="double"/>, <see cref="long"/> or <see cref="bool"/>, arrays become <see cref="NumPyArrayValue"/>.
/// Only numeric dtypes are accepted, and every byte count is checked against the dtype and the shape.
/// </summary>
/// <remarks>
/// NumPy pickles a scalar as <c>numpy.core.multiarray.scalar(dtype, bytes)</c> and an array as
/// <c>numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')</c> followed by <c>BUILD</c> with the state
/// <c>(1, shape, dtype, is_fortran, bytes)</c>; a dtype is <c>numpy.dtype(code, False, True)</c> whose <c>BUILD</c>
/// state carries the byte order in item 1. NumPy 2 spells the module <c>numpy._core</c>. nnunet-parity.md §1.4.
/// </remarks>
internal static class NumPyValues
{
    private static readonly string[] MultiarrayModules = ["numpy.core.multiarray", "numpy._core.multiarray"];

    /// <summary>Whether <paramref name="value"/> is a NumPy scalar or array (whose decoding may still fail).</summary>
    public static bool IsNumPy(object? value) =>
        value is PickleCall { Callable: PickleGlobal global } && MultiarrayModules.Contains(global.Module) && global.Name is "scalar" or "_reconstruct";

    /// <summary>
    /// Decodes a NumPy scalar or array; other values are returned unchanged. A malformed NumPy value is an
    /// <see cref="SegErrorCode.InvalidModel"/> error starting with <paramref name="where"/>.
    /// </summary>
    public static object? Decode(object? value, string where)
    {
        if (!IsNumPy(value))
        {
            return value;
        }

        var call = (PickleCall)value!;
        return ((PickleGlobal)call.Callable).Name == "scalar" ? DecodeScalar(call, where) : DecodeArray(call, where);
    }

    /// <summary>A Python or NumPy real number as a double, or null when the value is neither.</summary>
    public static double? AsReal(object? value, string where) =>
        Decode(value, where) switch
        {
            double real => real,
            long integer => integer,
            _ => null,
        };

    private static object DecodeScalar(PickleCall call, string where)
    {
        if (call.Arguments.Count != 2)
        {
            throw Invalid(where, $"numpy scalar has {call.Arguments.Count} arguments, expected (dtype, bytes)");
        }

        (char kind, int size) = ReadDtype(call.Arguments[0], where);
        byte[] bytes = PickleValues.AsBytes(call.Arguments[1])
            ?? throw Invalid(where, $"numpy scalar data is {PickleValues.Describe(call.Arguments[1])}, not bytes");
        if (bytes.Length != size)
        {
            throw Invalid(where, $"numpy scalar of {size} bytes holds {bytes.Length}");
        }

        double number = ReadElement(bytes, kind, size);
        return kind switch
        {
            'f' => number,
            'b' => number != 0,
            _ => (long)number,
        };
    }

    private static NumPyArrayValue DecodeArray(PickleCall call, string where)
    {
        if (call.Arguments.Count != 3 || call.Arguments[0] is not PickleGlobal { Name: "ndarray" })
        {
            throw Invalid(where, "numpy _reconstruct does not rebuild a numpy.ndarray");
        }

        if (call.State is not PickleTuple { Count: 5 } state || state[0] is not long)
        {
            throw Invalid(where, $"numpy array state is {PickleValues.Describe(call.State)}, expected (version, shape, dtype, is_fortran, data)");
        }

        if (state[1] is not PickleTuple shapeTuple || state[3] is not bool fortran)
        {
            throw Invalid(where, "numpy array state has no shape tuple or is_fortran flag");
        }

        (char kind, int size) = ReadDtype(state[2], where);
        byte[] bytes = PickleValues.AsBytes(state[4])
            ?? throw Invalid(where, $"numpy array data is {PickleValues.Describe(state[4])}; only numeric arrays are read");
        long[] shape = new long[shapeTuple.Count];
        long count = 1;
        for (int axis = 0; axis < shape.Length; axis++)
        {
            if (shapeTuple[axis] is not long extent || extent < 0)
            {
                throw Invalid(where, $"numpy array shape[{axis}] is {PickleValues.Describe(shapeTuple[axis])}");
            }

            shape[axis] = extent;
            count = extent == 0 || count <= bytes.Length / extent ? count * extent : long.MaxValue;
        }

        if (count > bytes.Length || count * size != bytes.Length)
        {
            throw Invalid(where, $"numpy array of shape ({string.Join(", ", shape)}) and {size}-byte elements holds {bytes.Length} bytes");
        }

        double[] stored = new double[count];
        for (int i = 0; i < stored.Length; i++)
        {
            stored[i] = ReadElement(bytes.AsSpan(i * size, size), kind, size);
        }

        return new NumPyArrayValue(shape, fortran && shape.Length > 1 ? ToCOrder(stored, shape) : stored);
    }

    /// <summary>The kind (<c>f</c>, <c>i</c>, <c>u</c>, <c>b</c>) and byte size of a pickled <c>numpy.dtype</c>; little-endian only.</summary>
    private static (char Kind, int Size) ReadDtype(object? value, string where)
    {
        if (value is not PickleCall { CallableName: "numpy.dtype" } dtype || dtype.Arguments.Count < 1 || dtype.Arguments[0] is not string code)
        {
            throw Invalid(where, $"numpy dtype is {PickleValues.Describe(value)}");
        }

        (char Kind, int Size)? parsed = code switch
        {
            "f2" => ('f', 2), "f4" => ('f', 4), "f8" => ('f', 8),
            "i1" => ('i', 1), "i2" => ('i', 2), "i4" => ('i', 4), "i8" => ('i', 8),
            "u1" => ('u', 1), "u2" => ('u', 2), "u4" => ('u', 4), "u8" => ('u', 8),
            "b1" => ('b', 1),
            _ => null,
        };
        if (parsed is not { } kindAndSize)
        {
            throw Invalid(where, $"numpy dtype '{code}' is not a numeric type SegEngine reads");
        }

        if (dtype.State is PickleTuple { Count: > 1 } state && state[1] is ">")
        {
            throw Invalid(where, $"numpy dtype '{code}' is big-endian");
        }

        return kindAndSize;
    }

    private static double ReadElement(ReadOnlySpan<byte> bytes, char kind, int size) =>
        (kind, size) switch
        {
            ('f', 2) => (double)BinaryPrimitives.ReadHalfLittleEndian(bytes),
            ('f', 4) => BinaryPrimitives.ReadSingleLittleEndian(bytes),
            ('f', 8) => BinaryPrimitives.ReadDoubleLittleEndian(bytes),
            ('i', 1) => (sbyte)bytes[0],
            ('i', 2) => BinaryPrimitives.ReadInt16LittleEndian(bytes),
            ('i', 4) => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            ('i', 8) => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            ('u', 2) => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            ('u', 4) => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            ('u', 8) => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            _ => bytes[0],
        };

    private static double[] ToCOrder(double[] fortran, long[] shape)
    {
        double[] values = new double[fortran.Length];
        long[] index = new long[shape.Length];
        for (long c = 0; c < values.Length; c++)
        {
            long f = 0;
            long stride = 1;
            for (int axis = 0; axis < shape.Length; axis++)
            {
                f += index[axis] * stride;
                stride *= shape[axis];
            }

            values[c] = fortran[f];
            for (int axis = shape.Length - 1; axis >= 0 && ++index[axis] == shape[axis]; axis--)
            {
                index[axis] = 0;
            }
        }

        return values;
    }

    private static SegEngineException Invalid(string where, string problem) => new(SegErrorCode.InvalidModel, $"{where}: {problem}");
}
