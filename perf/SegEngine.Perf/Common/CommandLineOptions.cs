namespace SegEngine.Perf.Common;

/// <summary>
/// The harness's small option syntax: <c>--name value</c> pairs and bare <c>--flag</c>s. Unknown names are errors, so a
/// typo never silently runs the default benchmark.
/// </summary>
internal sealed class CommandLineOptions
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);

    private CommandLineOptions()
    {
    }

    /// <summary>Parses <paramref name="args"/>; <paramref name="valued"/> take a value, <paramref name="flags"/> do not.</summary>
    /// <exception cref="ArgumentException">An unknown option, or a valued option without its value.</exception>
    public static CommandLineOptions Parse(string[] args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags)
    {
        var options = new CommandLineOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (flags.Contains(name))
            {
                options.values[name] = null;
            }
            else if (valued.Contains(name))
            {
                if (i + 1 >= args.Length)
                {
                    throw new ArgumentException($"{name} needs a value");
                }

                options.values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unknown option '{name}'; options: {string.Join(", ", valued.Concat(flags))}");
            }
        }

        return options;
    }

    public bool Has(string name) => values.ContainsKey(name);

    public string Get(string name, string fallback) => values.TryGetValue(name, out string? value) && value is not null ? value : fallback;
}
