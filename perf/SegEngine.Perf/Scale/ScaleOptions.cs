using System.Globalization;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Scale;

/// <summary>The options of <c>scale</c>; <c>--quick</c> shrinks every default to a development run of about a minute.</summary>
internal sealed record ScaleOptions
{
    /// <summary>Heads of the length series (a typical organ model) and of the class series' shared point.</summary>
    public const int LengthSeriesClasses = 14;

    public string OutputDirectory { get; init; } = RepositoryPaths.DefaultResults;

    /// <summary>K of the class series and of the export series.</summary>
    public IReadOnlyList<int> Classes { get; init; } = [2, 14, 64, 118];

    /// <summary>Slices N of the length series (512×512×N).</summary>
    public IReadOnlyList<int> Lengths { get; init; } = [250, 500, 1000];

    /// <summary>K of the realistic series (issue 15's case).</summary>
    public IReadOnlyList<int> RealisticClasses { get; init; } = [2, 14, 40, 118];

    /// <summary>The realistic series' CT (z, y, x): 512×512×250, which the plan's 0.8 mm turns into 312×448×448 (150 tiles).</summary>
    public Shape3 RealisticShape { get; init; } = new(250, 512, 512);

    /// <summary>The realistic series' spacing in mm (z, y, x), resampled to the plan's 0.8 mm in preprocessing and back in the export.</summary>
    public (float Z, float Y, float X) RealisticSpacing { get; init; } = (1.0f, 0.7f, 0.7f);

    /// <summary>The series to run: any of <c>class</c>, <c>length</c>, <c>realistic</c>, <c>export</c>.</summary>
    public IReadOnlySet<string> Series { get; init; } = new HashSet<string> { "class", "length", "realistic", "export" };

    /// <summary>Slices of every class-series volume.</summary>
    public int ClassSeriesLength { get; init; } = 250;

    /// <summary>In-plane size of every volume.</summary>
    public int InPlane { get; init; } = 512;

    /// <summary>The export series' preprocessed grid; the original grid is twice as large on every axis.</summary>
    public int[] ExportGrid { get; init; } = [128, 256, 256];

    /// <summary>
    /// Slices per call when the export series feeds slabs: the sliding window's z step for the 96-slice patch at step 0.5
    /// (0 is the whole volume at once, which the series always measures too).
    /// </summary>
    public int ExportSlabDepth { get; init; } = 48;

    public bool Quick { get; init; }

    /// <summary>Keep the generated models and volumes (their folder is printed).</summary>
    public bool Keep { get; init; }

    public static ScaleOptions? Parse(string[] args)
    {
        var options = new ScaleOptions();
        int[]? classes = null;
        int[]? lengths = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length:
                    options = options with { OutputDirectory = args[++i] };
                    break;
                case "--classes" when i + 1 < args.Length:
                    classes = ParseList(args[++i]);
                    break;
                case "--lengths" when i + 1 < args.Length:
                    lengths = ParseList(args[++i]);
                    break;
                case "--quick":
                    options = options with
                    {
                        Quick = true, Classes = [2, 14], Lengths = [64, 128], ClassSeriesLength = 64, ExportGrid = [32, 128, 128], ExportSlabDepth = 8,
                        RealisticClasses = [2, 14], RealisticShape = new Shape3(80, 192, 192),
                    };
                    break;
                case "--series" when i + 1 < args.Length:
                    options = options with { Series = args[++i].Split(',').ToHashSet() };
                    break;
                case "--realistic-classes" when i + 1 < args.Length:
                    options = options with { RealisticClasses = ParseList(args[++i]) };
                    break;
                case "--keep":
                    options = options with { Keep = true };
                    break;
                default:
                    return null;
            }
        }

        if (classes is not null)
        {
            options = options with { Classes = classes };
        }

        if (lengths is not null)
        {
            options = options with { Lengths = lengths };
        }

        string[] known = ["class", "length", "realistic", "export"];
        return options.Classes.All(k => k >= 2) && options.RealisticClasses.All(k => k >= 2) && options.Lengths.All(n => n >= 1) && options.Series.All(known.Contains)
            ? options
            : null;
    }

    /// <summary>Comma-separated integers, e.g. <c>2,14,64</c>.</summary>
    public static int[] ParseList(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(item => int.Parse(item, CultureInfo.InvariantCulture))];
}
