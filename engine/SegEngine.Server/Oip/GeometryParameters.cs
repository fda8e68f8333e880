using System.Globalization;
using SegEngine.Server.Hosting;

namespace SegEngine.Server.Oip;

/// <summary>
/// The request parameters that carry the geometry. OIP parameters are scalars (string, number, bool), so a list travels
/// as one string of comma-separated numbers: <c>spacing</c> "z,y,x" in the input's array order, <c>affine</c> 16 numbers.
/// </summary>
internal static class GeometryParameters
{
    public const string Spacing = "spacing";

    public const string Affine = "affine";

    public static double[] ParseSpacing(string? text) =>
        text is null
            ? throw RequestFailure.BadRequest($"the request parameter '{Spacing}' is missing: give the voxel spacing as \"z,y,x\" in the input's array order")
            : Positive(Parse(Spacing, text, 3));

    private static double[] Positive(double[] spacing) => spacing.All(s => s > 0)
        ? spacing
        : throw RequestFailure.BadRequest($"the request parameter '{Spacing}' must be positive, got \"{string.Join(",", spacing)}\"");

    public static double[]? ParseAffine(string? text) => text is null ? null : Parse(Affine, text, 16);

    private static double[] Parse(string name, string text, int count)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                throw RequestFailure.BadRequest($"the request parameter '{name}' must be {count} comma-separated finite numbers; '{RequestFailure.Quote(parts[i])}' is not one");
            }
        }

        if (values.Length != count)
        {
            throw RequestFailure.BadRequest($"the request parameter '{name}' must be {count} comma-separated numbers, got {values.Length}");
        }

        return values;
    }
}
