using System.Runtime.InteropServices;
using System.Text.Json;
using SegEngine.Inference;
using SegEngine.Io;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// The <c>--report</c> JSON of a batch: every case's outcome, stage seconds, shapes, tiles, memory and warnings, the
/// totals, and the machine and ONNX Runtime configuration. Its schema is <c>docs/report.schema.json</c>.
/// </summary>
internal static class BatchReport
{
    public const string SchemaId = "segengine-report/1";

    /// <summary>What the batch ran with, for the report's header.</summary>
    /// <param name="ModelLoadSeconds">Loading the model: reading the folder, opening and warming up every fold's session.</param>
    /// <param name="Started">When the batch started (after the model loaded).</param>
    /// <param name="Finished">When the last case finished.</param>
    /// <param name="Model">The model that predicted.</param>
    /// <param name="Plan">The workers and cases in flight.</param>
    /// <param name="Part">The share of the cases this process took.</param>
    /// <param name="Settings">The command's inputs and flags, name → value (null, string, bool, int, double or strings).</param>
    internal sealed record Context(
        double ModelLoadSeconds,
        DateTimeOffset Started,
        DateTimeOffset Finished,
        SegModel Model,
        BatchPlan Plan,
        PartSelection Part,
        IReadOnlyList<KeyValuePair<string, object?>> Settings);

    public static void Write(string path, Context context, IReadOnlyList<CaseReport> reports)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("schema", SchemaId);
            json.WriteString("started_utc", context.Started.UtcDateTime.ToString("O"));
            json.WriteString("finished_utc", context.Finished.UtcDateTime.ToString("O"));
            json.WriteNumber("wall_seconds", (context.Finished - context.Started).TotalSeconds);
            WriteSettings(json, context);
            WriteMachine(json);
            WriteRuntime(json, context.Model);
            WritePipeline(json, context);
            WriteTotals(json, reports);
            json.WriteStartArray("cases");
            foreach (CaseReport report in reports)
            {
                WriteCase(json, report);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        AtomicFile.Write(path, stream => stream.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    private static void WriteSettings(Utf8JsonWriter json, Context context)
    {
        json.WriteStartObject("settings");
        foreach ((string name, object? value) in context.Settings)
        {
            switch (value)
            {
                case null:
                    json.WriteNull(name);
                    break;
                case string text:
                    json.WriteString(name, text);
                    break;
                case bool flag:
                    json.WriteBoolean(name, flag);
                    break;
                case int number:
                    json.WriteNumber(name, number);
                    break;
                case double number:
                    json.WriteNumber(name, number);
                    break;
                case IEnumerable<string> texts:
                    json.WriteStartArray(name);
                    foreach (string text in texts)
                    {
                        json.WriteStringValue(text);
                    }

                    json.WriteEndArray();
                    break;
                default:
                    throw new ArgumentException($"setting '{name}' has an unsupported type {value.GetType().Name}", nameof(context));
            }
        }

        json.WriteStartObject("part");
        json.WriteNumber("parts", context.Part.Parts);
        json.WriteNumber("part_id", context.Part.PartId);
        json.WriteString("source", context.Part.Source);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteMachine(Utf8JsonWriter json)
    {
        json.WriteStartObject("machine");
        json.WriteString("host", Environment.MachineName);
        json.WriteString("os", RuntimeInformation.OSDescription);
        json.WriteString("architecture", RuntimeInformation.OSArchitecture.ToString());
        json.WriteNumber("cores", Environment.ProcessorCount);
        json.WriteNumber("memory_bytes", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        json.WriteString("dotnet", RuntimeInformation.FrameworkDescription);
        json.WriteEndObject();
    }

    private static void WriteRuntime(Utf8JsonWriter json, SegModel model)
    {
        json.WriteStartObject("onnx_runtime");
        json.WriteString("version", OnnxRuntimeInfo.Version);
        json.WriteStartArray("providers");
        foreach (string provider in OnnxRuntimeInfo.AvailableProviders)
        {
            json.WriteStringValue(provider);
        }

        json.WriteEndArray();
        json.WriteString("device", model.Device.ToString().ToLowerInvariant());
        json.WriteNumber("intra_op_threads", model.Inference.Threads == 0 ? Environment.ProcessorCount : model.Inference.Threads);
        json.WriteString("cudnn_conv_algo_search", model.Inference.CudnnConvAlgoSearch.ToString().ToLowerInvariant());
        json.WriteNumber("gpu_memory_target_gb", model.Inference.GpuMemoryTargetGb);
        json.WriteBoolean("use_tf32", model.Inference.UseTf32);
        json.WriteStartObject("cuda_provider_options");
        foreach ((string name, string value) in CudaProviderSettings.From(model.Inference).Options)
        {
            json.WriteString(name, value);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WritePipeline(Utf8JsonWriter json, Context context)
    {
        BatchPlan plan = context.Plan;
        json.WriteStartObject("pipeline");
        json.WriteNumber("model_load_seconds", context.ModelLoadSeconds);
        json.WriteNumber("resident_before_cases_bytes", plan.ResidentBeforeCasesBytes);
        json.WriteNumber("preprocess_workers", plan.Options.PreprocessWorkers);
        json.WriteNumber("export_workers", plan.Options.ExportWorkers);
        json.WriteNumber("max_cases_in_flight", plan.Options.MaxCasesInFlight);
        json.WriteNumber("memory_budget_bytes", plan.BudgetBytes);
        if (plan.LargestCasePlan is { } largest && plan.LargestImage is { } image)
        {
            WriteShape(json, "largest_input_shape", image);
            json.WriteNumber("largest_case_planned_bytes", largest.TotalBytes);
            json.WriteNumber("largest_case_per_case_bytes", largest.PerCaseBytes);
            json.WriteNumber("cases_at_once", plan.CasesAtOnce);
            json.WriteNumber("planned_peak_bytes", plan.PlannedPeakBytes ?? 0);
        }

        json.WriteEndObject();
    }

    private static void WriteTotals(Utf8JsonWriter json, IReadOnlyList<CaseReport> reports)
    {
        json.WriteStartObject("totals");
        json.WriteNumber("cases", reports.Count);
        json.WriteNumber("succeeded", reports.Count(r => r.Status == CaseStatus.Succeeded));
        json.WriteNumber("failed", reports.Count(r => r.Status == CaseStatus.Failed));
        json.WriteNumber("skipped", reports.Count(r => r.Status == CaseStatus.Skipped));
        WriteSeconds(json, reports.Select(r => r.Timings).ToArray());
        json.WriteNumber("peak_memory_bytes", reports.Count == 0 ? 0 : reports.Max(r => r.PeakMemoryBytes));
        json.WriteEndObject();
    }

    private static void WriteCase(Utf8JsonWriter json, CaseReport report)
    {
        json.WriteStartObject();
        json.WriteString("case_id", report.Case.CaseId);
        json.WriteString("status", report.Status.ToString().ToLowerInvariant());
        json.WriteString("output", report.Case.OutputFile);
        if (report.FailedStage is SegStage stage)
        {
            json.WriteString("failed_stage", stage.ToString().ToLowerInvariant());
            json.WriteString("error", report.Error);
        }

        WriteSeconds(json, [report.Timings]);
        json.WriteNumber("waiting_seconds", report.WaitingSeconds);
        json.WriteNumber("wall_seconds", report.WallSeconds);
        if (report.InputShape is { } input)
        {
            WriteShape(json, "input_shape", input);
        }

        if (report.NetworkShape is { } network)
        {
            WriteShape(json, "network_shape", network);
        }

        if (report.Tiles is int tiles)
        {
            json.WriteNumber("tiles", tiles);
        }

        json.WriteNumber("peak_memory_bytes", report.PeakMemoryBytes);
        json.WriteStartArray("warnings");
        foreach (string warning in report.Warnings)
        {
            json.WriteStringValue(warning);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteSeconds(Utf8JsonWriter json, IReadOnlyList<CaseTimings> timings)
    {
        json.WriteStartObject("seconds");
        json.WriteNumber("read", timings.Sum(t => t.Read));
        json.WriteNumber("preprocess", timings.Sum(t => t.Preprocess));
        json.WriteNumber("network", timings.Sum(t => t.Network));
        json.WriteNumber("aggregation", timings.Sum(t => t.Aggregation));
        json.WriteNumber("export", timings.Sum(t => t.Export));
        json.WriteNumber("write", timings.Sum(t => t.Write));
        json.WriteEndObject();
    }

    private static void WriteShape(Utf8JsonWriter json, string name, Shape3 shape)
    {
        json.WriteStartArray(name);
        json.WriteNumberValue(shape.Z);
        json.WriteNumberValue(shape.Y);
        json.WriteNumberValue(shape.X);
        json.WriteEndArray();
    }
}
