using System.Collections.Concurrent;
using System.Diagnostics;
using SegEngine.Pipeline;

namespace SegEngine.Server.Hosting;

/// <summary>
/// The served models, loaded once each when the server starts. The server is live at once and ready only when every
/// model has loaded; a model that fails to load stops the server, since a replica that cannot serve should not join.
/// </summary>
internal sealed class ModelRegistry(IReadOnlyList<ServedModelSpec> specs, SegModelOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<string, ServedModel> loaded = new(StringComparer.Ordinal);
    private volatile bool ready;

    public bool IsReady => ready;

    /// <summary>Seconds the loads took, for the start log and the benchmark's "ready within load time + 1 s".</summary>
    public double LoadSeconds { get; private set; }

    public IEnumerable<string> Names => specs.Select(s => s.Name);

    /// <summary>Loads every model, one after the other (each uses every core), then marks the server ready.</summary>
    public void LoadAll(CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        foreach (ServedModelSpec spec in specs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            loaded[spec.Name] = new ServedModel(spec.Name, SegModel.Load(spec.Folder, options));
        }

        LoadSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        ready = true;
    }

    /// <summary>Stops reporting ready (the server is shutting down), so that load balancers send no new work.</summary>
    public void StopServing() => ready = false;

    /// <summary>Whether <paramref name="name"/> is one of the models this server was started with.</summary>
    public bool Knows(string name) => specs.Any(s => s.Name == name);

    /// <summary>The model, or null while it loads.</summary>
    public ServedModel? Find(string name) => loaded.GetValueOrDefault(name);

    public void Dispose()
    {
        ready = false;
        foreach (ServedModel model in loaded.Values)
        {
            model.Model.Dispose();
        }

        loaded.Clear();
    }
}
