using SegEngine.Pipeline;

namespace SegEngine.Server.Hosting;

/// <summary>What <c>segengine serve</c> was asked for: the models, where to listen, and the limits every request meets.</summary>
public sealed class ServeOptions
{
    /// <summary>Loopback only unless the operator names another address: a medical-image endpoint is never public by accident.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>The models by the name clients use in <c>/v2/models/{name}</c>, each a model folder as <c>predict -m</c> takes.</summary>
    public required IReadOnlyList<ServedModelSpec> Models { get; init; }

    /// <summary>How every model is loaded (configuration, folds, device, TTA, memory budget).</summary>
    public SegModelOptions ModelOptions { get; init; } = new();

    public string Host { get; init; } = DefaultHost;

    /// <summary>The HTTP/REST port (HTTP/1.1 and HTTP/2); 0 picks a free one.</summary>
    public int Port { get; init; } = 8000;

    /// <summary>The gRPC port (HTTP/2 only); 0 picks a free one, null serves no gRPC.</summary>
    public int? GrpcPort { get; init; } = 8001;

    /// <summary>
    /// True when the operator asked for no memory limit (<c>--memory-budget 0</c>); otherwise requests are admitted against
    /// the models' <c>MemoryBudgetGb</c>, or what the machine can still give, as <c>predict</c> admits its cases.
    /// </summary>
    public bool UnlimitedMemory { get; init; }

    /// <summary>Requests that may wait for memory or a slot; one more is answered 429.</summary>
    public int MaxQueue { get; init; } = 16;

    /// <summary>Requests predicted at once (the network runs one case at a time per model; one more prepares beside it).</summary>
    public int MaxConcurrent { get; init; } = 2;

    /// <summary>A request's limit from its arrival to its answer, waiting included; past it the work is cancelled (504).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest request body (binary tensors and uploads).</summary>
    public long MaxBodyBytes { get; init; } = 2L << 30;

    /// <summary>Largest JSON document (a JSON tensor, or the JSON header of a binary request): numbers as text cost ~10x the bytes.</summary>
    public long MaxJsonBytes { get; init; } = 256L << 20;

    /// <summary>How long SIGTERM waits for the requests in flight before cancelling them.</summary>
    public TimeSpan ShutdownDeadline { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The bearer token every request but health and metrics must carry; null: no authentication.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Where the structured request log goes (one JSON object per line); null: standard output.</summary>
    public TextWriter? Log { get; init; }
}
