using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using SegEngine.Io;

namespace SegEngine.Inference;

/// <summary>
/// ORT's working memory per tile, measured once by a CPU warm-up and kept in a small JSON file beside the ONNX
/// (<c>{model}.segengine-memory.json</c>), so later loads start without running the network. When that folder cannot be
/// written the record goes to the system temp folder (<c>segengine/memory/</c>), named by a hash of the model's path and the key.
/// </summary>
/// <remarks>
/// The record holds for the same model bytes (SHA-256), ONNX Runtime version, memory-relevant session settings and a
/// batch of one; any other record, a corrupt one included, is ignored and rewritten. Reading and writing never fail a load.
/// </remarks>
internal sealed record NetworkMemoryRecord(string Key, long WorkingBytesPerTile)
{
    public const string FileSuffix = ".segengine-memory.json";

    /// <summary>The key of a model file under these session options, for a batch of one.</summary>
    public static string KeyOf(string onnxPath, SessionOptions sessionOptions)
    {
        ArgumentNullException.ThrowIfNull(sessionOptions);
        return string.Join(
            ";",
            $"sha256={ModelHash(onnxPath)}",
            $"ort={OnnxRuntimeInfo.Version}",
            $"intra_op_threads={sessionOptions.IntraOpNumThreads}",
            $"inter_op_threads={sessionOptions.InterOpNumThreads}",
            $"optimization={sessionOptions.GraphOptimizationLevel}",
            $"execution_mode={sessionOptions.ExecutionMode}",
            $"memory_pattern={sessionOptions.EnableMemoryPattern}",
            $"cpu_arena={sessionOptions.EnableCpuMemArena}",
            "batch=1");
    }

    /// <summary>The record file beside the model.</summary>
    public static string PathBeside(string onnxPath) => onnxPath + FileSuffix;

    /// <summary>The measured bytes for <paramref name="key"/>, or null when no readable record matches it.</summary>
    public static long? TryRead(string onnxPath, string key)
    {
        foreach (string path in Candidates(onnxPath, key))
        {
            NetworkMemoryRecord? record = TryParse(path);
            if (record is not null && record.Key == key && record.WorkingBytesPerTile > 0)
            {
                return record.WorkingBytesPerTile;
            }
        }

        return null;
    }

    /// <summary>Writes the record beside the model, else into the temp folder; gives up silently if neither can be written.</summary>
    public void TryWrite(string onnxPath)
    {
        foreach (string path in Candidates(onnxPath, Key))
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

    private static IEnumerable<string> Candidates(string onnxPath, string key)
    {
        yield return PathBeside(onnxPath);
        // Named by the model's place as well as its key, so copies of one model elsewhere keep records of their own.
        string name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(onnxPath) + "\n" + key)));
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
            return new NetworkMemoryRecord(root.GetProperty("key").GetString() ?? "", root.GetProperty("working_bytes_per_tile").GetInt64());
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
        writer.WriteEndObject();
    }
}
