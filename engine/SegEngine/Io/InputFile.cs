using System.Runtime.InteropServices;
using System.Text;

namespace SegEngine.Io;

/// <summary>
/// Opens an input file for reading only once its type is known to be a regular file (or a link to one). Opening a FIFO
/// blocks until some writer appears, and a device or socket never ends, so their type is checked before <c>open</c>.
/// </summary>
/// <remarks>
/// .NET exposes no file type beyond "directory", so on Linux the type comes from <c>statx</c> (its layout is the same on
/// every architecture), found among the symbols the process already has (libc's names differ between glibc and musl).
/// Elsewhere, or without <c>statx</c>, only directories are told apart; if <c>statx</c> fails (the file does not exist, no
/// permission), the open that follows reports the problem as usual.
/// </remarks>
internal static unsafe class InputFile
{
    private const int AtCurrentDirectory = -100;

    private const uint StatxType = 0x1;

    private const int StatxBufferSize = 256;

    private const int StatxModeOffset = 28;

    private static readonly delegate* unmanaged<int, byte*, int, uint, byte*, int> Statx = FindStatx();

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
        string? kind = Statx != null ? StatxKind(path) : (Directory.Exists(path) ? "directory" : null);
        if (kind is not null)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: not a regular file ({kind}); an input image must be a regular file or a link to one");
        }
    }

    /// <summary>The kind of a non-regular file, or null for a regular file or when the type cannot be told.</summary>
    private static string? StatxKind(string path)
    {
        byte* buffer = stackalloc byte[StatxBufferSize];
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* pathBytes = name)
        {
            // Flags 0 follows symbolic links: a link to a regular file is a regular file.
            if (Statx(AtCurrentDirectory, pathBytes, 0, StatxType, buffer) != 0)
            {
                return null;
            }
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

    private static delegate* unmanaged<int, byte*, int, uint, byte*, int> FindStatx() =>
        OperatingSystem.IsLinux() && NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "statx", out nint address)
            ? (delegate* unmanaged<int, byte*, int, uint, byte*, int>)address
            : null;
}
