using System.Diagnostics;

namespace SegEngine.Pipeline;

/// <summary>Times what a slab sink does, so the fused export's share of the sliding window can be reported on its own.</summary>
internal sealed class TimedSink(ILogitSlabSink inner) : ILogitSlabSink
{
    private long ticks;

    public double Seconds => (double)ticks / Stopwatch.Frequency;

    public long WorkingBytesPerSlice => inner.WorkingBytesPerSlice;

    public void Begin(int headCount, Shape3 shape) => Time(() => inner.Begin(headCount, shape));

    public void Accept(LogitSlab slab)
    {
        long start = Stopwatch.GetTimestamp();
        inner.Accept(slab);
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
