namespace SegEngine.Export;

/// <summary>The bytes the fused export holds besides its label map, now and at the peak (single-threaded: the calling thread only).</summary>
internal sealed class WorkingMemory
{
    private long current;

    public long Peak { get; private set; }

    /// <summary>Counts <paramref name="bytes"/> taken (positive) or given back (negative).</summary>
    public void Add(long bytes)
    {
        current += bytes;
        if (current > Peak)
        {
            Peak = current;
        }
    }
}
