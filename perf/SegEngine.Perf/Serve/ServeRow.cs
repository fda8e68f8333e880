namespace SegEngine.Perf.Serve;

/// <summary>One case at one concurrency: client latencies, throughput, the server's mean stage seconds, and predict's fresh-process seconds.</summary>
internal sealed record ServeRow(
    string Case, int Concurrency, int Requests, double P50, double P95, double Throughput,
    IReadOnlyDictionary<string, double> StageMean, double OutsideNetwork, double PredictSeconds);
