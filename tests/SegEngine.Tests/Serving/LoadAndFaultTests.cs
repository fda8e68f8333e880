using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using SegEngine.Tests.Cli;

namespace SegEngine.Tests.Serving;

/// <summary>
/// 8 concurrent clients × 25 uploads to a <c>segengine serve</c> process, good cases mixed with truncated, garbage,
/// oversized-header and wrong-channel uploads: every good one answered with the right file, every bad one a 4xx naming
/// its problem, the server alive throughout and its resident memory bounded after a warm-up and flat from one pass to the next.
/// </summary>
public sealed partial class LoadAndFaultTests
{
    private const int Clients = 8;
    private const int RequestsPerClient = 25;

    [Fact]
    public async Task ConcurrentGoodAndBadUploadsLeaveTheServerCorrectAliveAndWithoutALeak()
    {
        string folder = TestPaths.NewTempFolder();
        string good = TestPaths.SampleCase("case_003");
        Upload[] kinds = MakeUploads(folder, good);
        // A small gen0 budget (16 MiB) keeps garbage not yet collected from passing for growth: resident memory then
        // measures what the server holds.
        using Process serve = SegEngineProcess.Start(
            new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x1000000" },
            "serve", "-m", $"sample={TestPaths.SampleModel("3d_fullres")}", "--port", "0", "--grpc-port", "-1", "-device", "cpu", "--disable_tta", "--max-queue", "64");
        _ = serve.StandardOutput.ReadToEndAsync();
        try
        {
            Uri address = await ServeProcess.ReadAddressAsync(serve);
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
            await ServingFaultTests.WaitUntilAsync(async () => (await http.GetAsync("/v2/health/ready")).IsSuccessStatusCode, TimeSpan.FromMinutes(2));
            using HttpResponseMessage first = await http.PostAsync("/v1/models/sample/segment", kinds[0].Content());
            byte[] expected = await first.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);

            // One of each upload from every client, at once: the baseline holds what concurrent requests warm up (two
            // predictions' buffers side by side, Kestrel's and the pools' per-thread caches).
            await OneOfEachAsync(http, kinds);
            long residentAfterFirst = Resident(await http.GetStringAsync("/metrics"));

            var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                for (int i = 0; i < RequestsPerClient; i++)
                {
                    Upload upload = kinds[((client * RequestsPerClient) + i) % kinds.Length];
                    using HttpResponseMessage response = await http.PostAsync("/v1/models/sample/segment", upload.Content());
                    if (upload.Problem is null)
                    {
                        byte[] body = await response.Content.ReadAsByteArrayAsync();
                        if (response.StatusCode != HttpStatusCode.OK || !body.AsSpan().SequenceEqual(expected))
                        {
                            failures.Add($"good upload: {(int)response.StatusCode}, {body.Length} bytes");
                        }
                    }
                    else
                    {
                        string error = (int)response.StatusCode is >= 400 and < 500 ? await OipClient.ReadErrorAsync(response) : "";
                        if (!error.Contains(upload.Problem, StringComparison.Ordinal))
                        {
                            failures.Add($"{upload.Name}: {(int)response.StatusCode} '{error}'");
                        }
                    }
                }
            })));
            using HttpResponseMessage alive = await http.GetAsync("/v2/health/live");
            long residentAfterRun = Resident(await http.GetStringAsync("/metrics"));
            await OneOfEachAsync(http, kinds);
            long residentAfterMore = Resident(await http.GetStringAsync("/metrics"));

            Assert.Empty(failures);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

            // Measured on a loaded 2-core machine: ~200 MiB after the first wave, ~240 after the run, then +3 to +5 % per
            // further 200 requests: the thread pool grows under blocking work and each new thread keeps the pools'
            // buffers it used. A per-request leak would grow with every pass; the bounds below catch one.
            string growth = $"resident memory {Mib(residentAfterFirst)} MiB after the first wave, {Mib(residentAfterRun)} MiB after {Clients * RequestsPerClient} more, {Mib(residentAfterMore)} MiB after {Clients * kinds.Length} more";
            Assert.True(residentAfterRun <= residentAfterFirst * 1.5, growth);
            Assert.True(residentAfterMore <= residentAfterRun * 1.10, growth);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    /// <summary>The good case and four bad ones, each with the words its error must contain (null: must succeed).</summary>
    private static Upload[] MakeUploads(string folder, string good)
    {
        byte[] compressed = File.ReadAllBytes(good);
        string truncated = Path.Combine(folder, "truncated.nii.gz");
        File.WriteAllBytes(truncated, compressed[..(compressed.Length / 2)]);
        string garbage = Path.Combine(folder, "garbage.nii.gz");
        File.WriteAllBytes(garbage, [.. Enumerable.Range(0, 4096).Select(i => (byte)((i * 131) ^ 0x5A))]);

        // The real header with every axis declared 30000 voxels long: refused by its plan before any voxel is read.
        using var expanded = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            gzip.CopyTo(expanded);
        }

        byte[] nifti = expanded.ToArray();
        for (int axis = 1; axis <= 3; axis++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(nifti.AsSpan(40 + (2 * axis)), 30000);
        }

        string oversized = Path.Combine(folder, "oversized.nii");
        File.WriteAllBytes(oversized, nifti);
        return
        [
            new("good", [good], null),
            new("truncated", [truncated], "truncated.nii.gz"),
            new("garbage", [garbage], "garbage.nii.gz"),
            new("oversized header", [oversized], "refused before reading its voxels"),
            new("wrong channels", [good, good], "channel"),
        ];
    }

    private static async Task OneOfEachAsync(HttpClient http, Upload[] kinds) =>
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            foreach (Upload upload in kinds)
            {
                using HttpResponseMessage response = await http.PostAsync("/v1/models/sample/segment", upload.Content());
            }
        })));

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("F0", CultureInfo.InvariantCulture);

    private static long Resident(string metrics) =>
        (long)double.Parse(ResidentLine().Match(metrics).Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^segengine_resident_memory_bytes (\S+)", RegexOptions.Multiline)]
    private static partial Regex ResidentLine();

    private sealed record Upload(string Name, string[] Files, string? Problem)
    {
        public MultipartFormDataContent Content() =>
            SegmentEndpointTests.Upload([.. Files.Select((file, i) => ("image", file, $"{Path.GetFileName(file)}"))]);
    }
}
