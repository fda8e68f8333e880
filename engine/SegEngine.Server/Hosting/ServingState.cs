using SegEngine.Pipeline.Batch;
using SegEngine.Server.Admission;
using SegEngine.Server.Observability;

namespace SegEngine.Server.Hosting;

/// <summary>What every endpoint of one server shares: its options, models, admission gate (and the release of memory when it idles), budget, metrics and log.</summary>
internal sealed class ServingState(
    ServeOptions options, ModelRegistry models, MemoryGate gate, IdleMemoryRelease memoryRelease, BatchMemoryBudget budget, ServerMetrics metrics, RequestLog log)
{
    public ServeOptions Options { get; } = options;

    public ModelRegistry Models { get; } = models;

    public MemoryGate Gate { get; } = gate;

    /// <summary>The budget requests are planned against, as <c>predict</c> plans its cases (<see cref="BatchMemoryBudget"/>).</summary>
    public BatchMemoryBudget Budget { get; } = budget;

    public ServerMetrics Metrics { get; } = metrics;

    public RequestLog Log { get; } = log;

    /// <summary>The model a request names: 404 when the server has none of that name, 503 while it is still loading.</summary>
    public ServedModel Resolve(string name, string? version = null)
    {
        if (!Models.Knows(name))
        {
            throw RequestFailure.NotFound($"model '{RequestFailure.Quote(name)}' is not served here (models: {string.Join(", ", Models.Names)})");
        }

        if (!string.IsNullOrEmpty(version) && version != ServedModel.Version)
        {
            throw RequestFailure.NotFound($"model '{name}' has only version {ServedModel.Version}, not '{RequestFailure.Quote(version)}'");
        }

        return Models.Find(name) ?? throw new RequestFailure(503, $"model '{name}' is still loading", FailureMapping.BusyRetryAfter);
    }

    /// <summary>Ends a request's record: counted and logged once; its end may leave the server idle (<see cref="IdleMemoryRelease"/>).</summary>
    public void Finish(RequestTrace trace)
    {
        Metrics.Record(trace);
        Log.Request(trace);
        memoryRelease.RequestEnded();
    }
}
