using System.Text.Json;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.EndToEnd;

/// <summary>Reads the numbers of a <c>segengine predict --report</c> file (docs/report.schema.json) into an <see cref="EndToEndResult"/>.</summary>
internal static class BatchReportReader
{
    public static EndToEndResult Read(string reportPath, string title, string command, double processSeconds)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(reportPath));
        JsonElement root = document.RootElement;
        JsonElement pipeline = root.GetProperty("pipeline");
        var cases = new List<CaseResult>();
        foreach (JsonElement item in root.GetProperty("cases").EnumerateArray())
        {
            string id = item.GetProperty("case_id").GetString() ?? "";
            if (item.GetProperty("status").GetString() != "succeeded")
            {
                throw new BenchmarkFailedException($"{reportPath}: case {id} did not succeed; a benchmark needs every case");
            }

            JsonElement seconds = item.GetProperty("seconds");
            cases.Add(new CaseResult(
                id,
                Shape(item, "input_shape"),
                Shape(item, "network_shape"),
                item.GetProperty("tiles").GetInt32(),
                new StageSeconds(
                    seconds.GetProperty("read").GetDouble(),
                    seconds.GetProperty("preprocess").GetDouble(),
                    seconds.GetProperty("network").GetDouble(),
                    seconds.GetProperty("aggregation").GetDouble(),
                    seconds.GetProperty("export").GetDouble(),
                    seconds.GetProperty("write").GetDouble(),
                    item.GetProperty("waiting_seconds").GetDouble()),
                item.GetProperty("wall_seconds").GetDouble()));
        }

        return new EndToEndResult(
            title,
            command,
            processSeconds,
            pipeline.GetProperty("model_load_seconds").GetDouble(),
            root.GetProperty("wall_seconds").GetDouble(),
            cases.Sum(c => c.Seconds.Network),
            root.GetProperty("totals").GetProperty("peak_memory_bytes").GetInt64(),
            pipeline.TryGetProperty("planned_peak_bytes", out JsonElement planned) ? planned.GetInt64() : 0,
            cases);
    }

    private static int[] Shape(JsonElement item, string name) => [.. item.GetProperty(name).EnumerateArray().Select(e => e.GetInt32())];
}
