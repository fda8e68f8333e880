using System.Globalization;

namespace SegEngine.Perf.Common;

/// <summary>One of the issue's targets and where a measurement stands against it.</summary>
/// <param name="Name">What is measured, e.g. "outside session.Run, share of batch wall time".</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Limit">The target's bound.</param>
/// <param name="AtMost">True when the value must stay at or below the bound, false when it must reach it.</param>
/// <param name="Unit">How values print: "%" multiplies shares by 100, "×" prints ratios.</param>
internal sealed record TargetCheck(string Name, double Measured, double Limit, bool AtMost, string Unit)
{
    public bool Met => AtMost ? Measured <= Limit : Measured >= Limit;

    /// <summary>"met" or "missed by" the distance to the bound, in the target's unit.</summary>
    public string Verdict => Met ? "met" : $"missed by {Format(Math.Abs(Measured - Limit))}";

    public string Bound => $"{(AtMost ? "≤" : "≥")} {Format(Limit)}";

    public string Value => Format(Measured);

    public string Format(double value) => Unit switch
    {
        "%" => string.Create(CultureInfo.InvariantCulture, $"{value * 100:F1} %"),
        "×" => string.Create(CultureInfo.InvariantCulture, $"{value:F2}×"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{value:G4} {Unit}"),
    };
}
