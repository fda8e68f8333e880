using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Serve;

/// <summary>
/// <c>serve [--model DIR] [--out DIR] [--disable_tta] [--requests N]</c>: starts <c>segengine serve</c> (its own process,
/// CPU), measures how long it takes to become ready against its model load, then per case (sample case_000 and case_003)
/// the latency p50/p95 and throughput of OIP binary inference at concurrency 1, 2 and 4, the share of a request spent
/// outside the network (from the server's own stage metrics), and <c>segengine predict</c> on the same case in a fresh
/// process, all in one run. Writes serve.md and serve.json into the results folder.
/// </summary>
internal static partial class ServeBenchmark
{
    public const string Command = "serve";

    private static readonly string[] Valued = ["--model", "--out", "--requests"];
    private static readonly string[] Flags = ["--disable_tta"];
    private static readonly int[] Concurrency = [1, 2, 4];
    private static readonly string[] Cases = ["case_000", "case_003"];

    public static int Run(string[] args)
    {
        CommandLineOptions options;
        try
        {
            options = CommandLineOptions.Parse(args, Valued, Flags);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"serve: {e.Message}");
            return PerfExit.Usage;
        }

        string model = Path.GetFullPath(options.Get("--model", RepositoryPaths.Combine("models", "sample", "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres")));
        string results = Path.GetFullPath(options.Get("--out", RepositoryPaths.DefaultResults));
        bool tta = !options.Has("--disable_tta");
        int requests = int.Parse(options.Get("--requests", "8"), CultureInfo.InvariantCulture);
        string cli = RepositoryPaths.Combine("engine", "SegEngine.Cli", "bin", "Release", "net10.0", "SegEngine.Cli.dll");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"serve: {cli} is missing; build first: dotnet build Engine.sln -c Release");
            return PerfExit.Failed;
        }

        try
        {
            var rows = new List<ServeRow>();
            var predictSeconds = Cases.ToDictionary(c => c, c => PredictInFreshProcess(cli, model, c, tta));
            List<string> serveArgs = ["serve", "-m", $"bench={model}", "--port", "0", "--grpc-port", "-1", "-device", "cpu", "--max-queue", "64"];
            if (!tta)
            {
                serveArgs.Add("--disable_tta");
            }

            (double readySeconds, double loadSeconds) = RunServer(cli, serveArgs, http =>
            {
                foreach (string caseId in Cases)
                {
                    (byte[] body, int headerLength) = ServeClient.BinaryRequest(RepositoryPaths.Combine("models", "sample", "cases", $"{caseId}_0000.nii.gz"));

                    // One request first: the first of a shape pays for the runtime's first use of it.
                    Send(http, body, headerLength);
                    foreach (int concurrency in Concurrency)
                    {
                        rows.Add(Measure(http, caseId, concurrency, requests, body, headerLength, predictSeconds[caseId]));
                    }
                }
            });

            var machine = MachineInfo.Current();
            string markdown = Markdown(rows, machine, tta, requests, readySeconds, loadSeconds);
            Directory.CreateDirectory(results);
            File.WriteAllText(Path.Combine(results, "serve.md"), markdown);
            File.WriteAllText(Path.Combine(results, "serve.json"), JsonSerializer.Serialize(
                new { date = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), machine, tta, requests, ready_seconds = readySeconds, load_seconds = loadSeconds, rows },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            Console.Out.Write(markdown);
            return PerfExit.Success;
        }
        catch (BenchmarkFailedException e)
        {
            Console.Error.WriteLine($"serve: {e.Message}");
            return PerfExit.Failed;
        }
    }

    private static ServeRow Measure(HttpClient http, string caseId, int concurrency, int requests, byte[] body, int headerLength, double predictSeconds)
    {
        (Dictionary<string, double> before, double countBefore) = ServeClient.StageTotals(http.GetStringAsync("/metrics").GetAwaiter().GetResult());
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        int next = 0;
        var wall = Stopwatch.StartNew();
        Task.WaitAll([.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(() =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                latencies.Add(Send(http, body, headerLength));
            }
        }))]);
        wall.Stop();
        (Dictionary<string, double> after, double countAfter) = ServeClient.StageTotals(http.GetStringAsync("/metrics").GetAwaiter().GetResult());
        double served = countAfter - countBefore;
        Dictionary<string, double> stageMean = after.ToDictionary(s => s.Key, s => (s.Value - before.GetValueOrDefault(s.Key)) / served);
        double[] sorted = [.. latencies.Order()];
        double work = stageMean.Values.Sum();
        return new ServeRow(
            caseId, concurrency, requests, Percentile(sorted, 0.50), Percentile(sorted, 0.95), requests / wall.Elapsed.TotalSeconds,
            stageMean, work > 0 ? 1 - (stageMean.GetValueOrDefault("network") / work) : double.NaN, predictSeconds);
    }

    /// <summary>One request; its seconds from send to the last byte of the answer.</summary>
    private static double Send(HttpClient http, byte[] body, int headerLength)
    {
        var clock = Stopwatch.StartNew();
        using HttpResponseMessage response = http.PostAsync("/v2/models/bench/infer", ServeClient.Content(body, headerLength)).GetAwaiter().GetResult();
        byte[] answer = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchmarkFailedException($"inference answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(answer)}");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private static double Percentile(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];

    /// <summary>Wall seconds of <c>segengine predict</c> on one case in a fresh process (model load included), as a user runs it.</summary>
    private static double PredictInFreshProcess(string cli, string model, string caseId, bool tta)
    {
        string scratch = Directory.CreateTempSubdirectory("segengine-serve-bench-").FullName;
        try
        {
            string input = Path.Combine(scratch, "in");
            Directory.CreateDirectory(input);
            File.Copy(RepositoryPaths.Combine("models", "sample", "cases", $"{caseId}_0000.nii.gz"), Path.Combine(input, $"{caseId}_0000.nii.gz"));
            List<string> args = ["predict", "-i", input, "-o", Path.Combine(scratch, "out"), "-m", model, "-device", "cpu"];
            if (!tta)
            {
                args.Add("--disable_tta");
            }

            using Process process = Start(cli, args);
            var clock = Stopwatch.StartNew();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? clock.Elapsed.TotalSeconds : throw new BenchmarkFailedException($"segengine predict exited with {process.ExitCode}");
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Starts the server, waits until ready, runs <paramref name="work"/>, stops it with SIGTERM; returns seconds to ready and the model load's own seconds.</summary>
    private static (double Ready, double Load) RunServer(string cli, List<string> args, Action<HttpClient> work)
    {
        var clock = Stopwatch.StartNew();
        using Process server = Start(cli, args);
        var log = new StringBuilder();
        server.OutputDataReceived += (_, line) =>
        {
            lock (log)
            {
                log.AppendLine(line.Data);
            }
        };
        server.BeginOutputReadLine();
        try
        {
            string? address = null;
            while (address is null && server.StandardError.ReadLine() is { } line)
            {
                address = ServingLine().Match(line) is { Success: true } m ? m.Groups[1].Value : null;
            }

            _ = server.StandardError.ReadToEndAsync();
            using var http = new HttpClient { BaseAddress = new Uri(address ?? throw new BenchmarkFailedException("segengine serve did not start")), Timeout = TimeSpan.FromMinutes(30) };
            while (!http.GetAsync("/v2/health/ready").GetAwaiter().GetResult().IsSuccessStatusCode)
            {
                Thread.Sleep(20);
            }

            double ready = clock.Elapsed.TotalSeconds;
            string text;
            lock (log)
            {
                text = log.ToString();
            }

            double load = LoadedIn().Match(text) is { Success: true } loaded ? double.Parse(loaded.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
            work(http);
            return (ready, load);
        }
        finally
        {
            using (Process kill = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                kill.WaitForExit();
            }

            server.WaitForExit();
        }
    }

    private static Process Start(string cli, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new BenchmarkFailedException("could not start dotnet");
    }

    private static string Markdown(List<ServeRow> rows, MachineInfo machine, bool tta, int requests, double ready, double load)
    {
        string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        var table = new MarkdownTable("case", "concurrency", "p50 s", "p95 s", "req/s", "decode", "preprocess", "network", "export", "encode", "outside network", "predict (fresh process) s", "predict / p50");
        foreach (ServeRow r in rows)
        {
            table.Add(r.Case, r.Concurrency.ToString(CultureInfo.InvariantCulture), F(r.P50), F(r.P95), r.Throughput.ToString("F2", CultureInfo.InvariantCulture),
                F(r.StageMean.GetValueOrDefault("decode")), F(r.StageMean.GetValueOrDefault("preprocess")), F(r.StageMean.GetValueOrDefault("network")),
                F(r.StageMean.GetValueOrDefault("export")), F(r.StageMean.GetValueOrDefault("encode")),
                r.OutsideNetwork.ToString("P1", CultureInfo.InvariantCulture), F(r.PredictSeconds), (r.PredictSeconds / r.P50).ToString("F1", CultureInfo.InvariantCulture));
        }

        ServeRow single = rows.First(r => r.Case == "case_000" && r.Concurrency == 1);
        return $"""
            # segengine serve: latency and throughput

            {machine}. Sample 3d_fullres model, TTA {(tta ? "on" : "off")}, CPU; {requests} OIP binary requests per row after one warm-up
            request per case; `segengine predict` on the same case in a fresh process (model load included), same run.
            Stage columns are the server's own mean seconds per request (`segengine_stage_seconds`); "outside network" is
            their share outside the network stage. The machine is shared: absolute times are noisy, ratios within a run less so.

            Command: `perf/run serve{(tta ? "" : " --disable_tta")} --requests {requests}`

            {table}
            Ready: {F(ready)} s from process start to `/v2/health/ready` = 200; model load {F(load)} s; target ready ≤ load + 1 s
            (process start and runtime included): {(ready <= load + 1 ? "met" : "missed")}.
            Target time outside the network ≤ 5 % for case_000 at concurrency 1: {single.OutsideNetwork:P1}, {(single.OutsideNetwork <= 0.05 ? "met" : "missed")}.

            """;
    }

    [GeneratedRegex(@"serving on (http://\S+?)/?(?:\s|$)")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"loaded in (\d+(?:\.\d+)?) s")]
    private static partial Regex LoadedIn();
}
