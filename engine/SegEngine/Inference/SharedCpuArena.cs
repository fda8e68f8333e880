using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Inference;

/// <summary>
/// One ONNX Runtime CPU arena for the process, registered with ORT's environment, that the folds of a multi-fold
/// model run in: folds run one after another on every tile, so the activations of one fold's forward fit the arena
/// the previous fold's forward left, and five folds hold one forward's working memory instead of five.
/// </summary>
/// <remarks>
/// The arena lives while a session uses it: the last one's <see cref="Release"/> unregisters it, and ORT frees it with
/// that session, so a process that unloads its models (a server) gets the memory back. Only the first session to run
/// in a newly registered arena sees its own working memory grow from nothing, so only that session measures it and
/// writes a <see cref="NetworkMemoryRecord"/>; the others take their record or the graph's estimate.
/// </remarks>
internal static class SharedCpuArena
{
    /// <summary>The session configuration key that makes a session allocate from the environment's arena.</summary>
    private const string UseEnvironmentAllocators = "session.use_env_allocators";

    /// <summary>
    /// The memory the arena serves, CPU memory through an arena: with a plain allocator type ORT registers no arena, and
    /// every tensor would be mapped and unmapped per run. A session's allocator for it is the shared arena.
    /// </summary>
    public static OrtMemoryInfo Memory { get; } = new(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);

    /// <summary>ORT's <c>ArenaExtendStrategy::kSameAsRequested</c>.</summary>
    private const int SameAsRequested = 1;

    private static readonly Lock Gate = new();
    private static bool? registered;
    private static int users;

    /// <summary>
    /// Makes the session created with <paramref name="sessionOptions"/> allocate from the shared arena, registering it if
    /// no session uses it; false (the session keeps an arena of its own) when ORT refuses the registration. Every true
    /// is paired with one <see cref="Release"/>, when that session is disposed or could not be created.
    /// <paramref name="fillsArena"/> says the session's first run finds its arena holding nothing else, so its growth
    /// is its own: the shared arena was registered for it, or it keeps an arena of its own.
    /// </summary>
    public static bool Use(SessionOptions sessionOptions, out bool fillsArena)
    {
        ArgumentNullException.ThrowIfNull(sessionOptions);
        lock (Gate)
        {
            fillsArena = registered is null;
            if (registered is null)
            {
                try
                {
                    // Regions as large as asked (kSameAsRequested): with ORT's default power-of-two growth, ResEnc M's
                    // first forward here grew the process 410 MiB more than in an arena of its own; with this, no more
                    // than there. Other settings are ORT's defaults.
                    using var settings = new OrtArenaCfg(0, SameAsRequested, -1, -1);
                    OrtEnv.Instance().CreateAndRegisterAllocator(Memory, settings);
                    registered = true;
                }
                catch (OnnxRuntimeException)
                {
                    registered = false;
                }
            }

            if (registered.Value)
            {
                sessionOptions.AddSessionConfigEntry(UseEnvironmentAllocators, "1");
                users++;
            }
            else
            {
                fillsArena = true;
            }

            return registered.Value;
        }
    }

    /// <summary>One session no longer uses the arena; after the last, it is unregistered and a later session starts a new one.</summary>
    public static void Release()
    {
        lock (Gate)
        {
            if (--users > 0)
            {
                return;
            }

            OrtEnv.Instance().UnregisterAllocator(Memory);
            (registered, users) = (null, 0);
        }
    }
}
