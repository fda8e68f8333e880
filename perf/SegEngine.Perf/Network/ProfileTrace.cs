using System.Text.Json;

namespace SegEngine.Perf.Network;

/// <summary>
/// Reads ONNX Runtime's profile (Chrome trace JSON, <c>SessionOptions.EnableProfiling</c>): the kernel time of every
/// node of the runs after the first, which the benchmark runs only to warm the profiled session up.
/// </summary>
internal static class ProfileTrace
{
    private const string KernelSuffix = "_kernel_time";

    /// <summary>The nodes of every <c>model_run</c> but the first, and how many runs that is.</summary>
    public static (IReadOnlyList<ProfiledNode> Nodes, int Runs) ReadSteadyRuns(string tracePath)
    {
        using JsonDocument trace = JsonDocument.Parse(File.ReadAllBytes(tracePath));
        JsonElement[] events = [.. trace.RootElement.EnumerateArray()];
        long[] runStarts = [.. events
            .Where(e => Category(e) == "Session" && e.GetProperty("name").GetString() == "model_run")
            .Select(e => e.GetProperty("ts").GetInt64())
            .Order()];
        if (runStarts.Length < 2)
        {
            throw new InvalidDataException($"{tracePath}: {runStarts.Length} model_run events; the benchmark profiles a warm-up run and at least one more");
        }

        // Each event's ts is its start, so a node belongs to the last run that started before it.
        long firstSteadyStart = runStarts[1];
        var nodes = new List<ProfiledNode>();
        foreach (JsonElement e in events)
        {
            string? name = e.GetProperty("name").GetString();
            if (Category(e) != "Node" || name is null || !name.EndsWith(KernelSuffix, StringComparison.Ordinal)
                || e.GetProperty("ts").GetInt64() < firstSteadyStart)
            {
                continue;
            }

            JsonElement args = e.GetProperty("args");
            nodes.Add(new ProfiledNode(
                name[..^KernelSuffix.Length],
                args.GetProperty("op_name").GetString() ?? "?",
                e.GetProperty("dur").GetInt64(),
                Shapes(args, "input_type_shape"),
                Shapes(args, "output_type_shape")));
        }

        return (nodes, runStarts.Length - 1);
    }

    private static string? Category(JsonElement e) => e.TryGetProperty("cat", out JsonElement cat) ? cat.GetString() : null;

    /// <summary>A shape list as the trace writes it: <c>[{"float":[1,32,96,160,160]}, …]</c>.</summary>
    private static long[][] Shapes(JsonElement args, string property)
    {
        if (!args.TryGetProperty(property, out JsonElement list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. list.EnumerateArray().Select(typed => typed.EnumerateObject().FirstOrDefault().Value)
            .Select(dims => dims.ValueKind == JsonValueKind.Array ? dims.EnumerateArray().Select(d => d.GetInt64()).ToArray() : [])];
    }
}
