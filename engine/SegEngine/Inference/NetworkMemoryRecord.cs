using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Io;

namespace SegEngine.Inference;

/// <summary>
/// ORT's working memory per tile, measured on the first tile a CPU session runs and kept in a small JSON file beside
/// the ONNX (<c>{model}.segengine-memory.json</c>), so later loads plan with the measured figure instead of the graph's
/// estimate (<see cref="ActivationMemoryEstimate"/>). When that folder cannot be written the record goes to the system
/// temp folder (<c>segengine/memory/</c>), named by a hash of the model's path and the settings.
/// </summary>
/// <remarks>
/// The record holds for the same model bytes (SHA-256), ONNX Runtime version, memory-relevant session settings and a
/// batch of one; any other record, a corrupt one included, is ignored and rewritten. The model's size and modification
/// time are kept with its hash, so an unchanged file is not hashed again (about 0.3 s for a 400 MB model). Reading and
/// writing never fail a load.
/// </remarks>
internal sealed record NetworkMemoryRecord(string Key, long WorkingBytesPerTile, long ModelBytes, long ModelWriteTicks)
{
    public const string FileSuffix = ".segengine-memory.json";

    /// <summary>The memory-relevant session settings, for a batch of one: the key without the model's hash.</summary>
    public static string SettingsOf(SessionOptions sessionOptions)
    {
        ArgumentNullException.ThrowIfNull(sessionOptions);
        return string.Join(
            ";",
            $"ort={OnnxRuntimeInfo.Version}",
            $"intra_op_threads={sessionOptions.IntraOpNumThreads}",
            $"inter_op_threads={sessionOptions.InterOpNumThreads}",
            $"optimization={sessionOptions.GraphOptimizationLevel}",
            $"execution_mode={sessionOptions.ExecutionMode}",
            $"memory_pattern={sessionOptions.EnableMemoryPattern}",
            $"cpu_arena={sessionOptions.EnableCpuMemArena}",
            "batch=1",

            // What the figure holds: ORT's own growth after its arena prefault plus the output pages (older records had neither).
            "figure=prefault+ort+output");
    }

    /// <summary>The record file beside the model.</summary>
    public static string PathBeside(string onnxPath) => onnxPath + FileSuffix;

    /// <summary>
    /// The measured bytes for this model under <paramref name="settings"/>, or null when no readable record matches.
    /// The model is hashed only when a record exists whose size or modification time differs from the file's.
    /// </summary>
    public static long? TryRead(string onnxPath, string settings)
    {
        var file = new FileInfo(onnxPath);
        string? hash = null;
        foreach (string path in Candidates(onnxPath, settings))
        {
            NetworkMemoryRecord? record = TryParse(path);
            if (record is null || record.WorkingBytesPerTile <= 0 || !record.Key.EndsWith(";" + settings, StringComparison.Ordinal))
            {
                continue;
            }

            bool unchanged = record.ModelBytes == file.Length && record.ModelWriteTicks == file.LastWriteTimeUtc.Ticks;
            if (unchanged || record.Key == KeyOf(hash ??= ModelHash(onnxPath), settings))
            {
                return record.WorkingBytesPerTile;
            }
        }

        return null;
    }

    /// <summary>A record of <paramref name="workingBytesPerTile"/> for the model file as it is now (hashed here).</summary>
    public static NetworkMemoryRecord Measured(string onnxPath, string settings, long workingBytesPerTile)
    {
        var file = new FileInfo(onnxPath);
        return new NetworkMemoryRecord(KeyOf(ModelHash(onnxPath), settings), workingBytesPerTile, file.Length, file.LastWriteTimeUtc.Ticks);
    }

    /// <summary>Writes the record beside the model, else into the temp folder; gives up silently if neither can be written.</summary>
    public void TryWrite(string onnxPath)
    {
        foreach (string path in Candidates(onnxPath, Key[(Key.IndexOf(';', StringComparison.Ordinal) + 1)..]))
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                AtomicFile.Write(path, Serialize);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException || (e is SegEngineException s && s.Code == SegErrorCode.Io))
            {
                // The record only saves start-up time: an unwritable place is no reason to fail the load.
            }
        }
    }

    private static string KeyOf(string hash, string settings) => $"sha256={hash};{settings}";

    private static IEnumerable<string> Candidates(string onnxPath, string settings)
    {
        yield return PathBeside(onnxPath);
        // Named by the model's place as well as its settings, so copies of one model elsewhere keep records of their own.
        string name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(onnxPath) + "\n" + settings)));
        yield return Path.Combine(Path.GetTempPath(), "segengine", "memory", name + FileSuffix);
    }

    private static string ModelHash(string onnxPath)
    {
        using FileStream file = new(onnxPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    private static NetworkMemoryRecord? TryParse(string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement root = document.RootElement;
            return new NetworkMemoryRecord(
                root.GetProperty("key").GetString() ?? "",
                root.GetProperty("working_bytes_per_tile").GetInt64(),
                root.TryGetProperty("model_bytes", out JsonElement bytes) ? bytes.GetInt64() : -1,
                root.TryGetProperty("model_write_ticks", out JsonElement ticks) ? ticks.GetInt64() : -1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException
            or KeyNotFoundException or FormatException)
        {
            // Missing, half-readable or hand-edited: measure again.
            return null;
        }
    }

    private void Serialize(Stream stream)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("key", Key);
        writer.WriteNumber("working_bytes_per_tile", WorkingBytesPerTile);
        writer.WriteNumber("model_bytes", ModelBytes);
        writer.WriteNumber("model_write_ticks", ModelWriteTicks);
        writer.WriteEndObject();
    }
}
