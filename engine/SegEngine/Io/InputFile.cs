using System.Runtime.InteropServices;

namespace SegEngine.Io;

/// <summary>
/// Opens an input file for reading only once its type is known to be a regular file (or a link to one). Opening a FIFO
/// blocks until some writer appears, and a device or socket never ends, so their type is checked before <c>open</c>.
/// </summary>
/// <remarks>
/// .NET exposes no file type beyond "directory", so on Linux the type comes from <c>statx</c> (its layout is the same on
/// every architecture). Elsewhere only directories are told apart; if <c>statx</c> is missing or fails (the file does not
/// exist, no permission), the open that follows reports the problem as usual.
/// </remarks>
internal static partial class InputFile
{
    private const int AtCurrentDirectory = -100;

    private const uint StatxType = 0x1;

    private const int StatxBufferSize = 256;

    private const int StatxModeOffset = 28;

    /// <summary>Opens <paramref name="path"/> read-only; refuses anything that is not a regular file, naming it and its type.</summary>
    public static FileStream OpenRead(string path, int bufferSize = 4096)
    {
        RequireRegular(path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: cannot open: {e.Message}", e);
        }
    }

    /// <summary>Throws <see cref="SegEngineException"/> (<see cref="SegErrorCode.InvalidInput"/>) when the path names a directory, FIFO, socket or device.</summary>
    public static void RequireRegular(string path)
    {
        string? kind = OperatingSystem.IsLinux() ? LinuxKind(path) : (Directory.Exists(path) ? "directory" : null);
        if (kind is not null)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: not a regular file ({kind}); an input image must be a regular file or a link to one");
        }
    }

    /// <summary>The kind of a non-regular file, or null for a regular file or when the type cannot be told.</summary>
    private static unsafe string? LinuxKind(string path)
    {
        byte* buffer = stackalloc byte[StatxBufferSize];
        try
        {
            // Flags 0 follows symbolic links: a link to a regular file is a regular file.
            if (Statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return Directory.Exists(path) ? "directory" : null;
        }

        int type = *(ushort*)(buffer + StatxModeOffset) & 0xF000;
        return type switch
        {
            0x8000 => null,
            0x4000 => "directory",
            0x1000 => "FIFO",
            0xC000 => "socket",
            0x2000 => "character device",
            0x6000 => "block device",
            _ => $"file type 0x{type:x4}",
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
