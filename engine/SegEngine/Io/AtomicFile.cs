using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SegEngine.Io;

/// <summary>
/// Writes a file under a temporary name in the same folder, flushes it to disk and renames it into place, so a crash
/// or <c>kill -9</c> at any moment leaves either the old file, the new one, or nothing under the final name.
/// </summary>
/// <remarks>
/// The temporary name, <c>.{name}.{host}-{pid}-{random}.tmp</c>, is hidden, unique per writer (parts of a sharded run
/// may share an output folder) and says which process made it, so a later run can remove what a killed one left.
/// It never exceeds the 255-byte file-name limit: a long name is cut and followed by a hash of the whole name
/// (<c>.{start of name}~{hash}.{host}-{pid}-{random}.tmp</c>). Every failure, a full disk included, deletes the
/// temporary; while open it is in <see cref="TemporaryFileRegistry.Shared"/>, so a termination request deletes it too.
/// </remarks>
internal sealed class AtomicFile : IDisposable
{
    /// <summary>The longest file name, in UTF-8 bytes, that Linux, macOS and Windows file systems accept.</summary>
    internal const int MaxFileNameBytes = 255;

    private const string TemporarySuffix = ".tmp";
    private const int NameHashChars = 16;

    private readonly string path;
    private readonly string temporary;
    private readonly FileStream file;
    private bool committed;

    private AtomicFile(string path)
    {
        this.path = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(this.path) ?? throw new ArgumentException($"'{path}' has no folder", nameof(path));
        string random = Guid.NewGuid().ToString("N");
        temporary = Path.Combine(folder, TemporaryName(Path.GetFileName(this.path), Environment.MachineName, Environment.ProcessId, random));
        TemporaryFileRegistry.Shared.Register(temporary);
        try
        {
            file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        }
        catch
        {
            TemporaryFileRegistry.Shared.Unregister(temporary);
            throw;
        }
    }

    /// <summary>Where to write the content; it becomes visible under the final name only at <see cref="Commit"/>.</summary>
    public Stream Stream => file;

    /// <summary>Starts writing <paramref name="path"/>. Dispose without <see cref="Commit"/> to abandon it.</summary>
    /// <exception cref="SegEngineException"><see cref="SegErrorCode.Cancelled"/> once the process is terminating.</exception>
    public static AtomicFile Create(string path) => new(path);

    /// <summary>Flushes to disk and renames the temporary over the final name. If this fails, Dispose still deletes the temporary.</summary>
    public void Commit()
    {
        file.Flush(flushToDisk: true);
        file.Dispose();
        File.Move(temporary, path, overwrite: true);
        committed = true;
        TemporaryFileRegistry.Shared.Unregister(temporary);
    }

    public void Dispose()
    {
        if (committed)
        {
            return;
        }

        try
        {
            file.Dispose();
        }
        catch (IOException)
        {
            // Flushing the abandoned content failed (a full disk, say): it is being thrown away anyway.
        }
        finally
        {
            TryDelete(temporary);
            TemporaryFileRegistry.Shared.Unregister(temporary);
        }
    }

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; I/O failures become <see cref="SegEngineException"/> naming the path.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        try
        {
            using AtomicFile output = Create(path);
            write(output.Stream);
            output.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: could not write the file: {e.Message}", e);
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));

    public static void Copy(string source, string target) =>
        Write(target, stream =>
        {
            using FileStream input = File.OpenRead(source);
            input.CopyTo(stream);
        });

    /// <summary>
    /// Deletes the temporaries in <paramref name="folder"/> that this host's processes left and that no running process
    /// owns any more (killed runs). Other hosts' temporaries stay: on a shared folder they may still be in use.
    /// </summary>
    /// <returns>How many were deleted.</returns>
    public static int RemoveStaleTemporaries(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        int removed = 0;
        foreach (string path in Directory.EnumerateFiles(folder, "." + "*" + TemporarySuffix))
        {
            if (OwnerProcess(Path.GetFileName(path), Environment.MachineName) is int pid && !IsRunning(pid))
            {
                removed += TryDelete(path) ? 1 : 0;
            }
        }

        return removed;
    }

    /// <summary>
    /// The temporary name for <paramref name="fileName"/>, at most <see cref="MaxFileNameBytes"/> UTF-8 bytes whatever
    /// the name's length (as long as the host name leaves room, which the 64-byte host names of Linux do).
    /// </summary>
    internal static string TemporaryName(string fileName, string host, int pid, string random)
    {
        string owner = string.Create(CultureInfo.InvariantCulture, $".{host}-{pid}-{random}{TemporarySuffix}");
        string whole = $".{fileName}{owner}";
        if (Encoding.UTF8.GetByteCount(whole) <= MaxFileNameBytes)
        {
            return whole;
        }

        // Cut the name, never inside a character, and keep a hash of all of it, so the name still says whose it is.
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fileName)))[..NameHashChars];
        int budget = MaxFileNameBytes - Encoding.UTF8.GetByteCount(owner) - 2 - NameHashChars;
        var start = new StringBuilder();
        foreach (Rune rune in fileName.EnumerateRunes())
        {
            budget -= rune.Utf8SequenceLength;
            if (budget < 0)
            {
                break;
            }

            start.Append(rune.ToString());
        }

        return $".{start}~{hash}{owner}";
    }

    /// <summary>
    /// The process id in a temporary name that <see cref="TemporaryName"/> made on <paramref name="host"/>
    /// (<c>.{…}.{host}-{pid}-{32 hex digits}.tmp</c>), or null for any other file.
    /// </summary>
    internal static int? OwnerProcess(string fileName, string host)
    {
        string hostPrefix = $".{host}-";
        int owner = fileName.LastIndexOf(hostPrefix, StringComparison.Ordinal);
        if (owner < 1 || !fileName.StartsWith('.') || !fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] idParts = fileName[(owner + hostPrefix.Length)..^TemporarySuffix.Length].Split('-');
        return idParts.Length == 2
            && idParts[1].Length == 32 && idParts[1].All(char.IsAsciiHexDigitLower)
            && int.TryParse(idParts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                ? pid
                : null;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
