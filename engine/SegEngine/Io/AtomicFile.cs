using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace SegEngine.Io;

/// <summary>
/// Writes a file under a temporary name in the same folder, flushes it to disk and renames it into place, so a crash
/// or <c>kill -9</c> at any moment leaves either the old file, the new one, or nothing under the final name.
/// </summary>
/// <remarks>
/// The temporary name, <c>.{name}.{host}-{pid}-{random}.tmp</c>, is hidden, unique per writer (parts of a sharded run
/// may share an output folder) and says which process made it, so a later run can remove what a killed one left.
/// </remarks>
internal sealed class AtomicFile : IDisposable
{
    private const string TemporarySuffix = ".tmp";

    private readonly string path;
    private readonly string temporary;
    private readonly FileStream file;
    private bool committed;

    private AtomicFile(string path)
    {
        this.path = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(this.path) ?? throw new ArgumentException($"'{path}' has no folder", nameof(path));
        temporary = Path.Combine(folder, TemporaryName(Path.GetFileName(this.path)));
        file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
    }

    /// <summary>Where to write the content; it becomes visible under the final name only at <see cref="Commit"/>.</summary>
    public Stream Stream => file;

    /// <summary>Starts writing <paramref name="path"/>. Dispose without <see cref="Commit"/> to abandon it.</summary>
    public static AtomicFile Create(string path) => new(path);

    /// <summary>Flushes to disk and renames the temporary over the final name.</summary>
    public void Commit()
    {
        file.Flush(flushToDisk: true);
        file.Dispose();
        File.Move(temporary, path, overwrite: true);
        committed = true;
    }

    public void Dispose()
    {
        file.Dispose();
        if (!committed)
        {
            TryDelete(temporary);
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

        string hostPrefix = $".{Environment.MachineName}-";
        int removed = 0;
        foreach (string path in Directory.EnumerateFiles(folder, "." + "*" + TemporarySuffix))
        {
            string name = Path.GetFileName(path);
            int owner = name.LastIndexOf(hostPrefix, StringComparison.Ordinal);
            if (owner < 0)
            {
                continue;
            }

            string[] idParts = name[(owner + hostPrefix.Length)..^TemporarySuffix.Length].Split('-');
            if (idParts.Length == 2 && int.TryParse(idParts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsRunning(pid))
            {
                removed += TryDelete(path) ? 1 : 0;
            }
        }

        return removed;
    }

    private static string TemporaryName(string fileName) =>
        string.Create(CultureInfo.InvariantCulture, $".{fileName}.{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}{TemporarySuffix}");

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
