namespace SegEngine;

/// <summary>Feeding an <see cref="ILogitSlabSink"/> from a contiguous (K, zCount, Y, X) array (whole volumes, tests, benchmarks).</summary>
internal static class LogitSlabSinkExtensions
{
    /// <summary>Pins <paramref name="logits"/> for the call and passes it as a contiguous <see cref="LogitSlab"/>.</summary>
    public static unsafe void Accept(this ILogitSlabSink sink, int zStart, int zCount, ReadOnlySpan<Half> logits)
    {
        ArgumentNullException.ThrowIfNull(sink);
        fixed (Half* values = logits)
        {
            sink.Accept(LogitSlab.Contiguous(zStart, zCount, values, logits.Length));
        }
    }
}
