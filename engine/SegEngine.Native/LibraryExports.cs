using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SegEngine.Pipeline;

namespace SegEngine.Native;

/// <summary>The library-wide functions of <c>segengine.h</c>: versions, status names, the last error.</summary>
internal static unsafe class LibraryExports
{
    /// <summary>Bumped whenever a function or struct of segengine.h changes incompatibly; the header's SEG_ABI_VERSION.</summary>
    private const uint AbiVersion = 1;

    /// <summary>"MAJOR.MINOR.PATCH" with its NUL, allocated once and kept for the life of the process.</summary>
    private static readonly byte* Version = AllocateVersion();

    [UnmanagedCallersOnly(EntryPoint = "seg_abi_version")]
    public static uint AbiVersionExport() => AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "seg_version")]
    public static byte* VersionExport()
    {
        try
        {
            return Version;
        }
        catch (Exception)
        {
            // Only running out of memory in the one-time allocation gets here; a static answer beats a crash.
            return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("unknown"u8));
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_status_name")]
    public static byte* StatusName(int status) => NativeStatus.Name(status);

    [UnmanagedCallersOnly(EntryPoint = "seg_last_error")]
    public static int LastErrorExport(byte* buffer, nuint capacity, nuint* needed)
    {
        try
        {
            // This function never fails: a NULL buffer just means nothing is copied.
            NativeText.Write(LastError.Message, buffer, buffer is null ? 0 : capacity, needed);
        }
        catch (Exception)
        {
            // Encoding a string cannot fail short of running out of memory; the status is still worth returning.
        }

        return LastError.Status;
    }

    private static byte* AllocateVersion()
    {
        byte[] text = Encoding.UTF8.GetBytes(typeof(SegModel).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        byte* copy = (byte*)NativeMemory.Alloc((nuint)text.Length + 1);
        text.CopyTo(new Span<byte>(copy, text.Length));
        copy[text.Length] = 0;
        return copy;
    }
}
