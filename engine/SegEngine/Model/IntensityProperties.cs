namespace SegEngine.Model;

/// <summary>
/// plans.json <c>foreground_intensity_properties_per_channel[c]</c>: training-foreground statistics used by CTNormalization.
/// Kept as float64, exactly as parsed; the normalisation rounds them to float32 itself (nnunet-parity.md §3.4).
/// </summary>
internal sealed record IntensityProperties(
    double Mean,
    double Std,
    double Percentile00_5,
    double Percentile99_5,
    double Median,
    double Min,
    double Max);
