using System.Diagnostics;
using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Preprocessing;

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

    /// <summary>Runs <paramref name="work"/> and returns its result with the elapsed seconds.</summary>
    internal static (T Result, double Seconds) Measure<T>(Func<T> work)
    {
        long start = Stopwatch.GetTimestamp();
        T result = work();
        return (result, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}

/// <summary>A case after read and preprocess: the image's metadata (its voxels are released), the network input and the export plan.</summary>
internal sealed class PreparedCase(ImageVolume image, PreprocessedCase preprocessed, ExportPlan plan) : IDisposable
{
    public ImageVolume Image { get; } = image;

    public PreprocessedCase Preprocessed { get; } = preprocessed;

    public ExportPlan Plan { get; } = plan;

    public void Dispose()
    {
        Preprocessed.Dispose();
        Image.Dispose();
    }
}

/// <summary>
/// A case after the network: its label map when the export ran fused into the sliding window, or its whole fp16 logits
/// when probabilities are wanted (their export needs every class at once).
/// </summary>
internal sealed class PredictedCase(ImageVolume image, ExportPlan plan, string propertiesJson, LabelMap? labels, VolumeBuffer<Half>? logits) : IDisposable
{
    public ImageVolume Image { get; } = image;

    public ExportPlan Plan { get; } = plan;

    public string PropertiesJson { get; } = propertiesJson;

    public LabelMap? Labels { get; private set; } = labels;

    public VolumeBuffer<Half>? Logits { get; } = logits;

    /// <summary>Hands the label map over; null when only logits are held.</summary>
    public LabelMap? TakeLabels()
    {
        LabelMap? taken = Labels;
        Labels = null;
        return taken;
    }

    public void Dispose()
    {
        Labels?.Dispose();
        Logits?.Dispose();
        Image.Dispose();
    }
}

/// <summary>Times what a slab sink does, so the fused export's share of the sliding window can be reported on its own.</summary>
internal sealed class TimedSink(ILogitSlabSink inner) : ILogitSlabSink
{
    private long ticks;

    public double Seconds => (double)ticks / Stopwatch.Frequency;

    public void Begin(int classes, Shape3 shape) => Time(() => inner.Begin(classes, shape));

    public void Accept(int zStart, int zCount, ReadOnlySpan<Half> logits)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Accept(zStart, zCount, logits);
        ticks += Stopwatch.GetTimestamp() - start;
    }

    public void Complete() => Time(inner.Complete);

    private void Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        ticks += Stopwatch.GetTimestamp() - start;
    }
}
