namespace SegEngine.Native;

/// <summary>
/// The table behind <c>seg_model*</c>: handles are keys, never addresses, and are not reused, so a freed, forged or
/// stale handle is found missing instead of being dereferenced. Each call holds a lease; a freed model is disposed
/// when its last lease ends, so freeing during another thread's prediction is safe.
/// </summary>
internal static class ModelHandles
{
    /// <summary>Keys step like aligned pointers, so they look like what hosts expect and never collide with small integers.</summary>
    private const long Stride = 16;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<nint, Entry> Live = [];
    private static long lastKey = 0x1000;

    public static nint Add(OpenedModel model)
    {
        lock (Gate)
        {
            lastKey += Stride;
            Live.Add((nint)lastKey, new Entry(model));
            return (nint)lastKey;
        }
    }

    /// <summary>Leases the model behind <paramref name="handle"/> for one call.</summary>
    /// <exception cref="NativeCallException">The handle is NULL, freed or unknown.</exception>
    public static Lease Acquire(nint handle)
    {
        if (handle == 0)
        {
            throw new NativeCallException(NativeStatus.InvalidArgument, "model is NULL");
        }

        lock (Gate)
        {
            if (!Live.TryGetValue(handle, out Entry? entry))
            {
                throw new NativeCallException(NativeStatus.InvalidHandle, $"model 0x{handle:x} is not an open model (freed, or not from seg_model_open)");
            }

            entry.Users++;
            return new Lease(entry);
        }
    }

    /// <summary>Removes <paramref name="handle"/>; the model is disposed now, or when the calls still using it return.</summary>
    /// <exception cref="NativeCallException">The handle is freed or unknown.</exception>
    public static void Free(nint handle)
    {
        Entry? entry;
        lock (Gate)
        {
            if (!Live.Remove(handle, out entry))
            {
                throw new NativeCallException(NativeStatus.InvalidHandle, $"model 0x{handle:x} is not an open model (already freed, or not from seg_model_open)");
            }

            entry.Freed = true;
            if (entry.Users > 0)
            {
                return;
            }
        }

        entry.Model.Model.Dispose();
    }

    internal sealed class Entry(OpenedModel model)
    {
        public OpenedModel Model { get; } = model;

        public int Users { get; set; }

        public bool Freed { get; set; }
    }

    /// <summary>One call's use of a model.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly Entry entry;

        internal Lease(Entry entry) => this.entry = entry;

        public OpenedModel Model => entry.Model;

        public void Dispose()
        {
            lock (Gate)
            {
                entry.Users--;
                if (!entry.Freed || entry.Users > 0)
                {
                    return;
                }
            }

            entry.Model.Model.Dispose();
        }
    }
}
