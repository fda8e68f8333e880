using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using SegEngine.Pipeline.Batch;
using SegEngine.Server.Admission;
using SegEngine.Server.Files;
using SegEngine.Server.Grpc;
using SegEngine.Server.Observability;
using SegEngine.Server.Oip;

namespace SegEngine.Server.Hosting;

/// <summary>
/// <c>segengine serve</c>: Kestrel with the OIP v2 HTTP and gRPC endpoints, the file endpoint and <c>/metrics</c>, over
/// models loaded once. <see cref="StartAsync"/> listens at once (live) and loads the models behind it (ready when all
/// have loaded); SIGTERM, or <see cref="StopAsync"/>, stops accepting and lets the requests in flight finish within
/// <see cref="ServeOptions.ShutdownDeadline"/>.
/// </summary>
public sealed class SegServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ModelRegistry models;

    private SegServer(WebApplication app, ModelRegistry models, Uri httpAddress, Uri? grpcAddress, RequestLog log)
    {
        this.app = app;
        this.models = models;
        HttpAddress = httpAddress;
        GrpcAddress = grpcAddress;
        Log = log;
    }

    /// <summary>The HTTP/REST endpoint's address, with the port actually bound.</summary>
    public Uri HttpAddress { get; }

    /// <summary>The gRPC endpoint's address, or null when gRPC is off.</summary>
    public Uri? GrpcAddress { get; }

    /// <summary>Completes when every model has loaded (faults when one cannot).</summary>
    public Task Ready { get; private set; } = Task.CompletedTask;

    /// <summary>Seconds the model loads took.</summary>
    public double LoadSeconds => models.LoadSeconds;

    internal RequestLog Log { get; }

    /// <summary>Binds the endpoints, starts serving and starts loading the models.</summary>
    public static async Task<SegServer> StartAsync(ServeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var log = new RequestLog(options.Log ?? Console.Out);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownDeadline);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = (int)Math.Min(options.MaxBodyBytes, int.MaxValue);
            grpc.MaxSendMessageSize = null;
        });

        ListenOptions? http = null;
        ListenOptions? grpc = null;
        bool tls = !string.IsNullOrEmpty(builder.Configuration["Kestrel:Certificates:Default:Path"]);
        IPAddress address = options.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            kestrel.Listen(address, options.Port, listen =>
            {
                listen.Protocols = tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
                UseTls(listen, tls);
                http = listen;
            });
            if (options.GrpcPort is int grpcPort)
            {
                kestrel.Listen(address, grpcPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    UseTls(listen, tls);
                    grpc = listen;
                });
            }
        });

        var registry = new ModelRegistry(options.Models, options.ModelOptions);
        var budget = BatchMemoryBudget.Resolve(options.ModelOptions.Inference, options.UnlimitedMemory);
        var gate = new MemoryGate(budget.Bytes, options.MaxConcurrent, options.MaxQueue);
        var memoryRelease = new IdleMemoryRelease(gate);
        var metrics = new ServerMetrics(() => gate.Queued, () => gate.Running, () => memoryRelease.Releases);
        var state = new ServingState(options, registry, gate, memoryRelease, budget, metrics, log);
        builder.Services.AddSingleton(state);
        WebApplication app = builder.Build();
        app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(registry.StopServing);

        if (options.ApiKey is { } key)
        {
            var check = new ApiKeyCheck(key);
            app.Use(check.InvokeAsync);
        }

        OipHttpEndpoints.Map(app, state);
        SegmentEndpoint.Map(app, state);
        app.MapMetrics("/metrics", metrics.Registry);
        app.MapGrpcService<GrpcInferenceEndpoint>();

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = new SegServer(app, registry, Address(http!, tls), grpc is null ? null : Address(grpc, tls), log);
        log.Event("listening", $"HTTP {server.HttpAddress}" + (server.GrpcAddress is { } g ? $", gRPC {g}" : "") + $"; memory budget {budget}; loading {options.Models.Count} model(s)");
        server.Ready = Task.Run(() =>
        {
            try
            {
                registry.LoadAll(app.Lifetime.ApplicationStopping);
                log.Event("ready", $"{options.Models.Count} model(s) loaded in {registry.LoadSeconds:F1} s: {string.Join(", ", registry.Names)}");
            }
            catch (Exception e)
            {
                log.Event("load_failed", e.Message);
                app.Lifetime.StopApplication();
                throw;
            }
        }, CancellationToken.None);
        return server;
    }

    /// <summary>Serves until the process is asked to stop (SIGTERM, Ctrl+C) or a model fails to load; true when it stopped cleanly.</summary>
    public async Task<bool> WaitForShutdownAsync()
    {
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        Log.Event("stopped", "the server stopped");
        return Ready.IsCompletedSuccessfully;
    }

    /// <summary>Stops accepting, waits for the requests in flight (up to the shutdown deadline), then stops.</summary>
    public Task StopAsync() => app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        try
        {
            await Ready.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Load failures were logged where they happened; disposal only has to wait for the loader to let go.
        }

        await app.DisposeAsync().ConfigureAwait(false);
        models.Dispose();
    }

    private static void UseTls(ListenOptions listen, bool tls)
    {
        if (tls)
        {
            listen.UseHttps();
        }
    }

    /// <summary>A listener's address once bound: Kestrel writes the port it got for port 0 back into its options.</summary>
    private static Uri Address(ListenOptions listen, bool tls) => new($"{(tls ? "https" : "http")}://{listen.IPEndPoint}");
}
