using System.Runtime.InteropServices;
using System.Text;

namespace SegEngine.Native;

/// <summary>UTF-8 strings across the C boundary, and the checks every pointer argument gets.</summary>
internal static unsafe class NativeText
{
    /// <summary>Reads a NUL-terminated UTF-8 argument; NULL is a caller error naming <paramref name="parameter"/>.</summary>
    public static string Read(byte* text, string parameter) =>
        Marshal.PtrToStringUTF8((nint)NotNull(text, parameter)) ?? string.Empty;

    /// <summary>Reads an optional NUL-terminated UTF-8 argument.</summary>
    public static string? ReadOptional(byte* text) => text is null ? null : Marshal.PtrToStringUTF8((nint)text);

    public static T* NotNull<T>(T* pointer, string parameter)
        where T : unmanaged
    {
        return pointer is not null ? pointer : throw new NativeCallException(NativeStatus.InvalidArgument, $"{parameter} is NULL");
    }

    /// <summary>The bytes <paramref name="text"/> takes in a caller buffer: UTF-8 plus the NUL.</summary>
    public static nuint SizeOf(string text) => (nuint)Encoding.UTF8.GetByteCount(text) + 1;

    /// <summary>
    /// Copies <paramref name="text"/> into a caller buffer: what fits, cut at a character boundary and NUL-terminated when
    /// <paramref name="capacity"/> is non-zero. <paramref name="needed"/> (optional) gets the full size with the NUL.
    /// </summary>
    /// <returns>Whether all of it fitted.</returns>
    public static bool Write(string text, byte* buffer, nuint capacity, nuint* needed)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        if (needed is not null)
        {
            *needed = (nuint)utf8.Length + 1;
        }

        if (capacity == 0)
        {
            return false;
        }

        NotNull(buffer, "buf");
        int length = (int)Math.Min((nuint)utf8.Length, capacity - 1);
        while (length < utf8.Length && length > 0 && (utf8[length] & 0xC0) == 0x80)
        {
            length--;
        }

        utf8.AsSpan(0, length).CopyTo(new Span<byte>(buffer, length));
        buffer[length] = 0;
        return length == utf8.Length;
    }
}
