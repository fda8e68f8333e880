using SegEngine.Inference;
using SegEngine.Pipeline;
using SegEngine.Server.Hosting;

namespace SegEngine.Tests.Serving;

/// <summary>
/// A real Kestrel server on loopback (ports picked by the system) serving the sample 3d_fullres model as "sample",
/// without mirroring so that each case takes a fraction of a second; shared by a test class.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string ModelName = "sample";

    private SegServer? server;

    public SegServer Server => server ?? throw new InvalidOperationException("not started");

    /// <summary>The request log, one JSON line per request.</summary>
    public StringWriter Log { get; } = new();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(2) };

    public static SegModelOptions ModelOptions => new() { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = false } };

    public async Task InitializeAsync()
    {
        server = await StartAsync(new ServeOptions
        {
            Models = [new ServedModelSpec(ModelName, TestPaths.SampleModel("3d_fullres"))],
            ModelOptions = ModelOptions,
            Port = 0,
            GrpcPort = 0,
            Log = TextWriter.Synchronized(Log),
        });
        Http.BaseAddress = Server.HttpAddress;
    }

    public static async Task<SegServer> StartAsync(ServeOptions options)
    {
        SegServer started = await SegServer.StartAsync(options);
        await started.Ready.WaitAsync(TimeSpan.FromMinutes(2));
        return started;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
