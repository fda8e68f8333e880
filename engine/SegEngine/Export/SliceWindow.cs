using System.Runtime.InteropServices;

namespace SegEngine.Export;

/// <summary>
/// The input slices the fused export still holds: the summary of every slice received and not yet released, and, for
/// the one or two slices that later output slices still need once their slab is gone, a copy of their K class planes
/// (made band by band when the slices come in bands).
/// </summary>
/// <remarks>Memory accounting: every rent and copy is counted in the shared <see cref="WorkingMemory"/>.</remarks>
internal sealed unsafe class SliceWindow : IDisposable
{
    private readonly int plane;
    private readonly int width;
    private readonly int classes;
    private readonly bool regions;
    private readonly WorkingMemory memory;
    private readonly SliceSummary?[] summaries;

    // Summaries of released slices, for the next slices to reuse; counted in the working memory while the window lives.
    private readonly Stack<SliceSummary> released = new();

    // Owned native copies of retained slices (not borrowed memory): all K planes of slice z, or 0.
    private readonly nint[] copies;
    private long retainedBytes;

    public SliceWindow(Shape3 input, int classes, bool regions, WorkingMemory memory)
    {
        this.regions = regions;
        plane = input.Y * input.X;
        width = input.X;
        this.classes = classes;
        this.memory = memory;
        summaries = new SliceSummary?[input.Z];
        copies = new nint[input.Z];
    }

    /// <summary>Bytes of retained input slices (K classes each) at the peak.</summary>
    public long PeakRetainedBytes { get; private set; }

    /// <summary>Gives newly received slice <paramref name="z"/> a summary: one released before, or a new one.</summary>
    public void Open(int z)
    {
        if (!released.TryPop(out SliceSummary? summary))
        {
            summary = new SliceSummary(plane, regions);
            memory.Add(summary.Bytes);
        }

        summaries[z] = summary;
    }

    public SliceSummary Summary(int z) =>
        summaries[z] ?? throw new InvalidOperationException($"input slice {z} is not held");

    /// <summary>The class planes of a slice retained by an earlier <see cref="Retain"/>.</summary>
    public SliceClassPlanes RetainedPlanes(int z) => copies[z] != 0
        ? SliceClassPlanes.Contiguous((Half*)copies[z], plane, width)
        : throw new InvalidOperationException($"input slice {z} was not retained");

    /// <summary>
    /// Copies rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) of the slab's slices from <paramref name="keepFrom"/>
    /// on (the first input slice a later output still needs), so that once their rows are gone from the slab those
    /// slices stay whole here.
    /// </summary>
    public void Retain(InputPlanes planes, int keepFrom, int zStart, int zCount, int rowFrom, int rowTo)
    {
        for (int z = Math.Max(keepFrom, zStart); z < zStart + zCount; z++)
        {
            if (copies[z] == 0)
            {
                copies[z] = (nint)NativeMemory.Alloc((nuint)SliceBytes);
                memory.Add(SliceBytes);
                retainedBytes += SliceBytes;
            }

            SliceClassPlanes source = planes.Slice(z);
            for (int k = 0; k < classes; k++)
            {
                for (int y = rowFrom; y < rowTo; y++)
                {
                    source.Row(k, y).CopyTo(new Span<Half>((Half*)copies[z] + ((long)k * plane) + ((long)y * width), width));
                }
            }
        }

        PeakRetainedBytes = Math.Max(PeakRetainedBytes, retainedBytes);
    }

    /// <summary>Releases the summaries and copies of every slice below <paramref name="below"/>.</summary>
    public void ReleaseBelow(int below)
    {
        for (int z = 0; z < below; z++)
        {
            if (copies[z] != 0)
            {
                NativeMemory.Free((void*)copies[z]);
                copies[z] = 0;
                memory.Add(-SliceBytes);
                retainedBytes -= SliceBytes;
            }

            if (summaries[z] is SliceSummary summary)
            {
                released.Push(summary);
                summaries[z] = null;
            }
        }
    }

    public void Dispose()
    {
        ReleaseBelow(summaries.Length);
        foreach (SliceSummary summary in released)
        {
            memory.Add(-summary.Bytes);
        }

        released.Clear();
    }

    private long SliceBytes => (long)classes * plane * sizeof(Half);
}
