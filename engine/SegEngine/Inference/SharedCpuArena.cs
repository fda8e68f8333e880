using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Inference;

/// <summary>
/// One ONNX Runtime CPU arena for the process, registered with ORT's environment, that the folds of a multi-fold
/// model run in: folds run one after another on every tile, so the activations of one fold's forward fit the arena
/// the previous fold's forward left, and five folds hold one forward's working memory instead of five.
/// </summary>
/// <remarks>
/// The arena lives as long as the process (ORT's environment keeps it). Only the first session to run in it sees
/// its own working memory grow from nothing, so only that session measures it and writes a
/// <see cref="NetworkMemoryRecord"/>; the others take their record or the graph's estimate.
/// </remarks>
internal static class SharedCpuArena
{
    /// <summary>The session configuration key that makes a session allocate from the environment's arena.</summary>
    private const string UseEnvironmentAllocators = "session.use_env_allocators";

    private static readonly Lock Gate = new();
    private static bool? registered;
    private static bool claimed;

    /// <summary>
    /// Makes sessions created with <paramref name="sessionOptions"/> allocate from the shared arena, registering it on the
    /// first call; false (the session keeps an arena of its own) when ORT refuses the registration.
    /// </summary>
    public static bool Use(SessionOptions sessionOptions)
    {
        ArgumentNullException.ThrowIfNull(sessionOptions);
        lock (Gate)
        {
            if (registered is null)
            {
                try
                {
                    // ORT's default arena settings, as a session's own arena has them.
                    using var defaults = new OrtArenaCfg(0, -1, -1, -1);
                    OrtEnv.Instance().CreateAndRegisterAllocator(OrtMemoryInfo.DefaultInstance, defaults);
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
            }

            return registered.Value;
        }
    }

    /// <summary>True for the first caller only: the session whose first run finds the arena holding nothing else, so its growth is its own.</summary>
    public static bool ClaimFirstUse()
    {
        lock (Gate)
        {
            bool first = !claimed;
            claimed = true;
            return first;
        }
    }
}
