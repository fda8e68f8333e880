using System.Diagnostics;
using SegEngine.Pipeline;

namespace SegEngine.Server.Observability;

/// <summary>One request's record: who it addressed, what became of it and where its time went; logged and counted when it ends.</summary>
internal sealed class RequestTrace(string endpoint)
{
    public const string Success = "ok";

    private readonly long start = Stopwatch.GetTimestamp();
    private readonly Dictionary<string, double> stages = [];

    public string Id { get; } = Guid.NewGuid().ToString("N")[..16];

    public string Endpoint { get; } = endpoint;

    public string? Model { get; set; }

    public string Outcome { get; set; } = Success;

    public int Status { get; set; } = 200;

    /// <summary>The error message sent to the client, for the log.</summary>
    public string? Error { get; set; }

    public long BytesIn { get; set; }

    public long BytesOut { get; set; }

    public double ElapsedSeconds => Stopwatch.GetElapsedTime(start).TotalSeconds;

    public IReadOnlyDictionary<string, double> StageSeconds => stages;

    public void AddStage(string stage, double seconds) => stages[stage] = stages.GetValueOrDefault(stage) + seconds;

    /// <summary>Times <paramref name="work"/> as <paramref name="stage"/>.</summary>
    public async Task TimeAsync(string stage, Func<Task> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        long begin = Stopwatch.GetTimestamp();
        try
        {
            await work().ConfigureAwait(false);
        }
        finally
        {
            AddStage(stage, Stopwatch.GetElapsedTime(begin).TotalSeconds);
        }
    }

    /// <summary>The engine's stage seconds, folded into the server's stages.</summary>
    public void AddEngineTimings(CaseTimings timings)
    {
        ArgumentNullException.ThrowIfNull(timings);
        AddStage("preprocess", timings.Read + timings.Preprocess);
        AddStage("network", timings.Network + timings.Aggregation);
        AddStage("export", timings.Export + timings.Write);
    }
}
