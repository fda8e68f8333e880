namespace SegEngine.Pipeline;

/// <summary>Seconds one case spent in each stage (network = inside ONNX Runtime, aggregation = the sliding window around it).</summary>
public sealed class CaseTimings
{
    public double Read { get; set; }

    public double Preprocess { get; set; }

    public double Network { get; set; }

    public double Aggregation { get; set; }

    public double Export { get; set; }

    public double Write { get; set; }

    public double Total => Read + Preprocess + Network + Aggregation + Export + Write;
}
