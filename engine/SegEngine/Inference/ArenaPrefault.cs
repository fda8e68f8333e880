using Microsoft.ML.OnnxRuntime;
using SegEngine.Buffers;

namespace SegEngine.Inference;

/// <summary>
/// Faults in a CPU session's working memory before its first run, on a background thread: takes the planned bytes from
/// the session's own allocator (ORT's arena), writes every page of them and gives them back. The arena keeps what is
/// freed, so the first forward's activations land on resident pages instead of faulting them in one by one inside the
/// convolutions (ResEnc M: ≈ 444 000 faults, a first forward 3 s slower than the steady ones; docs/network.md).
/// </summary>
/// <remarks>
/// The bytes are the plan's ORT line, so the prefault takes no memory the plan does not already give the session; a
/// forward that needs more extends the arena as before, and the first tile's working-set growth (measured after
/// <see cref="Wait"/>) says by how much. A failure (the arena refuses the bytes) leaves the first forward to fault its
/// pages itself.
/// </remarks>
internal sealed class ArenaPrefault
{
    /// <summary>One arena request at most: a power of two, so the region the arena maps for it is used whole.</summary>
    private const long MaxBlockBytes = 1L << 31;

    /// <summary>Pages made resident per step, between which a <see cref="Stop"/> is noticed.</summary>
    private const long StepBytes = 64L << 20;

    private volatile bool stopped;
    private Task<long> populated = Task.FromResult(0L);
    private long touchedBytes;

    private ArenaPrefault()
    {
    }

    /// <summary>
    /// Starts populating <paramref name="bytes"/> of <paramref name="session"/>'s CPU arena, the one its allocator for
    /// <paramref name="arenaMemory"/> is, on a thread of its own.
    /// </summary>
    public static ArenaPrefault Start(InferenceSession session, OrtMemoryInfo arenaMemory, long bytes)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(arenaMemory);
        var prefault = new ArenaPrefault();
        prefault.populated = Task.Factory.StartNew(
            () => prefault.Populate(session, arenaMemory, bytes), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return prefault;
    }

    /// <summary>
    /// The bytes made resident so far, for a resident-set reading taken meanwhile: a plan that counts the session's working
    /// memory in full takes these off the reading rather than count them twice.
    /// </summary>
    public long TouchedBytes => Volatile.Read(ref touchedBytes);

    /// <summary>Waits for the prefault; returns the bytes it left resident in the arena (0 if the arena refused them).</summary>
    public long Wait() => populated.GetAwaiter().GetResult();

    /// <summary>Ends the prefault at its next step and waits for that (a session closed before its first run).</summary>
    public void Stop()
    {
        stopped = true;
        Wait();
    }

    private long Populate(InferenceSession session, OrtMemoryInfo arenaMemory, long bytes)
    {
        var blocks = new List<OrtMemoryAllocation>();
        try
        {
            using var allocator = new OrtAllocator(session, arenaMemory);
            try
            {
                for (long left = bytes; left > 0 && !stopped; left -= MaxBlockBytes)
                {
                    OrtMemoryAllocation block = allocator.Allocate((uint)Math.Min(left, MaxBlockBytes));
                    blocks.Add(block);
                    PageAdvice.PreferHugePages(block.DangerousGetHandle(), block.Size);
                    for (long offset = 0; offset < block.Size && !stopped; offset += StepBytes)
                    {
                        long step = Math.Min(StepBytes, block.Size - offset);
                        Touch(block.DangerousGetHandle() + (nint)offset, step);
                        Volatile.Write(ref touchedBytes, touchedBytes + step);
                    }
                }

                return blocks.Sum(b => (long)b.Size);
            }
            finally
            {
                // Back to the arena, which keeps the pages for the session's runs.
                foreach (OrtMemoryAllocation block in blocks)
                {
                    block.Dispose();
                }
            }
        }
        catch (OnnxRuntimeException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Makes every whole page of the range resident by writing a byte to each. Not <c>MADV_POPULATE_WRITE</c>: that call
    /// holds the process's memory-map lock while it zeroes pages, so every mmap and mprotect of other threads (the JIT's,
    /// at start-up thousands) waited for it, and some predictions reached their first case seconds late
    /// (perf/results/network-prefault-start.md); a fault from a write takes only its own area's lock (Linux 6.4 on).
    /// In huge pages the first write of each faults all of it and the other writes find it resident.
    /// </summary>
    private static unsafe void Touch(IntPtr start, long length)
    {
        long page = Environment.SystemPageSize;
        long first = ((long)start + page - 1) & -page;
        long end = ((long)start + length) & -page;
        for (long p = first; p < end; p += page)
        {
            *(byte*)p = 0;
        }
    }
}
