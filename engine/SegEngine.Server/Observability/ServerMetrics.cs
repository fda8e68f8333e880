using System.Diagnostics;
using Prometheus;

namespace SegEngine.Server.Observability;

/// <summary>
/// The server's Prometheus metrics, in a registry of its own (several servers may share a process, e.g. in tests):
/// requests by model, endpoint and outcome; seconds per stage and per request; and, read when scraped: queue depth,
/// requests in flight, memory releases, resident memory, the managed heap and the threads.
/// </summary>
internal sealed class ServerMetrics
{
    /// <summary>The stages a request's time is split into, in order: body → tensor, nnU-Net's preprocessing, the sliding window, the export, the answer.</summary>
    public static readonly string[] Stages = ["decode", "preprocess", "network", "export", "encode"];

    private readonly Counter requests;
    private readonly Histogram stageSeconds;
    private readonly Histogram requestSeconds;

    public ServerMetrics(Func<int> queueDepth, Func<int> inFlight, Func<long> memoryReleases)
    {
        Registry = Metrics.NewCustomRegistry();
        MetricFactory factory = Metrics.WithCustomRegistry(Registry);
        requests = factory.CreateCounter(
            "segengine_requests_total", "Requests answered, by model, endpoint and outcome.", ["model", "endpoint", "outcome"]);
        double[] buckets = Histogram.ExponentialBuckets(0.001, 2, 20);
        stageSeconds = factory.CreateHistogram(
            "segengine_stage_seconds", "Seconds each stage of a successful request took.", ["model", "stage"], new HistogramConfiguration { Buckets = buckets });
        requestSeconds = factory.CreateHistogram(
            "segengine_request_seconds", "Seconds from a request's arrival to its answer, waiting included.", ["model", "endpoint"], new HistogramConfiguration { Buckets = buckets });
        Gauge queue = factory.CreateGauge("segengine_queue_depth", "Requests waiting for memory or a slot.");
        Gauge running = factory.CreateGauge("segengine_in_flight", "Requests admitted and running.");
        Gauge resident = factory.CreateGauge("segengine_resident_memory_bytes", "The server process's resident memory.");
        Gauge managed = factory.CreateGauge("segengine_managed_heap_bytes", "The managed heap after the last garbage collection, and what the collector has committed for it.", ["kind"]);
        Counter releases = factory.CreateCounter(
            "segengine_memory_releases_total", "Times the server gave free memory back to the system after falling idle.");
        Gauge threads = factory.CreateGauge("segengine_threads", "The process's threads, and those of the .NET thread pool.", ["kind"]);
        Registry.AddBeforeCollectCallback(() =>
        {
            queue.Set(queueDepth());
            running.Set(inFlight());
            releases.IncTo(memoryReleases());
            using var process = Process.GetCurrentProcess();
            resident.Set(process.WorkingSet64);
            GCMemoryInfo gc = GC.GetGCMemoryInfo();
            managed.WithLabels("heap").Set(gc.HeapSizeBytes);
            managed.WithLabels("committed").Set(gc.TotalCommittedBytes);
            threads.WithLabels("process").Set(process.Threads.Count);
            threads.WithLabels("thread_pool").Set(ThreadPool.ThreadCount);
        });
    }

    public CollectorRegistry Registry { get; }

    public void Record(RequestTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        string model = trace.Model ?? "";
        requests.WithLabels(model, trace.Endpoint, trace.Outcome).Inc();
        requestSeconds.WithLabels(model, trace.Endpoint).Observe(trace.ElapsedSeconds);
        if (trace.Outcome != RequestTrace.Success)
        {
            return;
        }

        foreach ((string stage, double seconds) in trace.StageSeconds)
        {
            stageSeconds.WithLabels(model, stage).Observe(seconds);
        }
    }
}
