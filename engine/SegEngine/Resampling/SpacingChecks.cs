using System.Globalization;

namespace SegEngine.Resampling;

/// <summary>The spacing checks every resampling decision starts with, and how spacings appear in its messages.</summary>
internal static class SpacingChecks
{
    /// <summary>Three positive, finite entries, or a <see cref="SegEngineException"/> naming <paramref name="what"/>.</summary>
    public static void Require(ReadOnlySpan<double> spacing, string what)
    {
        if (spacing.Length != 3)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{what} has {spacing.Length} entries; expected 3");
        }

        foreach (double s in spacing)
        {
            if (!(s > 0) || double.IsInfinity(s))
            {
                throw new SegEngineException(SegErrorCode.InvalidInput, $"{what} {Format(spacing)} must be positive and finite");
            }
        }
    }

    /// <summary>"(a, b, c)" with round-trip digits.</summary>
    public static string Format(ReadOnlySpan<double> values) =>
        "(" + string.Join(", ", values.ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + ")";
}
