using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Server.Hosting;
using SegEngine.Tests.Pipeline;

namespace SegEngine.Tests.Serving;

/// <summary>
/// Admission and faults against a real server whose requests are slow (mirroring on) and admitted one at a time:
/// a burst beyond the queue gets 429 and later requests succeed; a client that disconnects frees its slot; the
/// per-request deadline answers 504; the API key guards all but health and metrics.
/// </summary>
public sealed partial class ServingFaultTests(SampleModels models) : IAsyncLifetime, IClassFixture<SampleModels>
{
    private const string Key = "test-key-0123";

    private SegServer? server;
    private readonly StringWriter log = new();
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromMinutes(5) };

    public async Task InitializeAsync()
    {
        server = await ServerFixture.StartAsync(new ServeOptions
        {
            Models = [new ServedModelSpec(ServerFixture.ModelName, TestPaths.SampleModel("3d_fullres"))],
            ModelOptions = new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = true } },
            Port = 0,
            GrpcPort = null,
            MaxConcurrent = 1,
            MaxQueue = 1,
            Log = TextWriter.Synchronized(log),
        });
        http.BaseAddress = server.HttpAddress;
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task AQueueFullBurstGets429WithRetryAfterAndLaterRequestsSucceed()
    {
        using ImageVolume image = ReadCase("case_003");

        HttpResponseMessage[] burst = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.PostAsync("/v2/models/sample/infer", OipClient.Binary(image))));
        using HttpResponseMessage later = await http.PostAsync("/v2/models/sample/infer", OipClient.Binary(image));

        HttpResponseMessage[] refused = [.. burst.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests)];
        Assert.NotEmpty(refused);
        Assert.Contains(burst, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(burst, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, r.StatusCode.ToString()));
        Assert.NotNull(refused[0].Headers.RetryAfter);
        Assert.Contains("busy", await OipClient.ReadErrorAsync(refused[0]), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        foreach (HttpResponseMessage response in burst)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task AClientThatDisconnectsCancelsItsWorkAndFreesItsSlot()
    {
        using ImageVolume image = ReadCase("case_000");
        using var leave = new CancellationTokenSource(TimeSpan.FromMilliseconds(800));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.PostAsync("/v2/models/sample/infer", OipClient.Binary(image), leave.Token));
        await WaitUntilAsync(async () => InFlight(await http.GetStringAsync("/metrics")) == 0, TimeSpan.FromSeconds(20));
        using HttpResponseMessage next = await http.PostAsync("/v2/models/sample/infer", OipClient.Binary(ReadCase("case_003")));

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Contains("\"outcome\":\"cancelled\"", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDeadlineAnswers504AndTheApiKeyGuardsAllButHealthAndMetrics()
    {
        await using SegServer strict = await ServerFixture.StartAsync(new ServeOptions
        {
            Models = [new ServedModelSpec(ServerFixture.ModelName, TestPaths.SampleModel("3d_fullres"))],
            ModelOptions = new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = true } },
            Port = 0,
            GrpcPort = null,
            RequestTimeout = TimeSpan.FromMilliseconds(300),
            ApiKey = Key,
            Log = TextWriter.Null,
        });
        using var client = new HttpClient { BaseAddress = strict.HttpAddress };
        using ImageVolume image = ReadCase("case_000");

        using HttpResponseMessage anonymous = await client.GetAsync("/v2/models/sample");
        using HttpResponseMessage health = await client.GetAsync("/v2/health/ready");
        using HttpResponseMessage metrics = await client.GetAsync("/metrics");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        using HttpResponseMessage authorised = await client.GetAsync("/v2/models/sample");
        using HttpResponseMessage slow = await client.PostAsync("/v2/models/sample/infer", OipClient.Binary(image));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("API key", await OipClient.ReadErrorAsync(anonymous), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authorised.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
        Assert.Contains("did not finish within", await OipClient.ReadErrorAsync(slow), StringComparison.Ordinal);
    }

    internal static int InFlight(string metrics) => int.Parse(InFlightLine().Match(metrics).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        DateTime end = DateTime.UtcNow + limit;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < end, $"not reached within {limit}");
            await Task.Delay(50);
        }
    }

    private ImageVolume ReadCase(string caseId) => models.Get("3d_fullres", tta: false).ReadImage([TestPaths.SampleCase(caseId)]);

    [GeneratedRegex(@"^segengine_in_flight (\d+)", RegexOptions.Multiline)]
    private static partial Regex InFlightLine();
}
