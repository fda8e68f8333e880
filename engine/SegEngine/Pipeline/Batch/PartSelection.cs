using System.Globalization;

namespace SegEngine.Pipeline.Batch;

/// <summary>
/// Which share of the cases this process predicts: nnU-Net's <c>-num_parts N -part_id K</c> (cases sorted, every N-th
/// from K), taken from the flags, else from a Slurm job array, else from a Kubernetes Indexed Job.
/// </summary>
/// <param name="Parts">N.</param>
/// <param name="PartId">K, in [0, N).</param>
/// <param name="Source">Where N and K came from, for the log.</param>
internal sealed record PartSelection(int Parts, int PartId, string Source)
{
    /// <summary>The environment variable that gives a Kubernetes Indexed Job's part count (its completions) when no flag does.</summary>
    public const string PartCountVariable = "SEGENGINE_NUM_PARTS";

    public static readonly PartSelection Whole = new(1, 0, "no sharding");

    /// <summary>
    /// Resolves the part from <paramref name="parts"/>/<paramref name="partId"/> flags (null when absent) and
    /// <paramref name="environment"/> (a lookup such as <see cref="Environment.GetEnvironmentVariable(string)"/>).
    /// </summary>
    /// <exception cref="SegEngineException">Inconsistent or out-of-range values; the message names their source.</exception>
    public static PartSelection Resolve(int? parts, int? partId, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (partId is int id)
        {
            return Checked(parts ?? 1, id, "-num_parts/-part_id");
        }

        if (environment("SLURM_ARRAY_TASK_ID") is string slurmTask)
        {
            // Arrays may start anywhere (--array=1-8): the part is the offset from the array's first index.
            int task = Number(slurmTask, "SLURM_ARRAY_TASK_ID");
            int first = environment("SLURM_ARRAY_TASK_MIN") is string min ? Number(min, "SLURM_ARRAY_TASK_MIN") : 0;
            int count = parts ?? (environment("SLURM_ARRAY_TASK_COUNT") is string c
                ? Number(c, "SLURM_ARRAY_TASK_COUNT")
                : throw Invalid("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give -num_parts"));
            return Checked(count, task - first, $"Slurm job array (SLURM_ARRAY_TASK_ID={task}, SLURM_ARRAY_TASK_MIN={first}, {count} tasks)");
        }

        if (environment("JOB_COMPLETION_INDEX") is string index)
        {
            int completion = Number(index, "JOB_COMPLETION_INDEX");
            int count = parts ?? (environment(PartCountVariable) is string c
                ? Number(c, PartCountVariable)
                : throw Invalid($"JOB_COMPLETION_INDEX is set but the part count is not; give -num_parts or set {PartCountVariable} to the Job's completions"));
            return Checked(count, completion, $"Kubernetes Indexed Job (JOB_COMPLETION_INDEX={completion}, {count} parts)");
        }

        return parts is int only ? Checked(only, 0, "-num_parts") : Whole;
    }

    /// <summary><c>cases[K::N]</c> of the cases sorted by id, as nnU-Net takes them.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> sortedCases) =>
        [.. sortedCases.Where((_, i) => i % Parts == PartId)];

    public override string ToString() => Parts == 1 ? "all cases" : $"part {PartId} of {Parts} (from {Source})";

    private static PartSelection Checked(int parts, int partId, string source)
    {
        if (parts < 1 || partId < 0 || partId >= parts)
        {
            throw Invalid($"{source}: part {partId} of {parts} parts; the part must lie in [0, parts)");
        }

        return new PartSelection(parts, partId, source);
    }

    private static int Number(string text, string name) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw Invalid($"{name}={text} is not an integer");

    private static SegEngineException Invalid(string message) => new(SegErrorCode.InvalidInput, message);
}
