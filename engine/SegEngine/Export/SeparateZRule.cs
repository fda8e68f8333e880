using SegEngine.Model;

namespace SegEngine.Export;

/// <summary>Decides whether export resampling treats one axis separately (nearest along it, in-plane linear).</summary>
/// <remarks>
/// nnU-Net <c>resample_data_or_seg_to_shape</c> with <c>get_do_separate_z</c> / <c>get_lowres_axis</c>
/// (<c>preprocessing/resampling/default_resampling.py</c>), contract §3.5 "Anisotropy rule".
/// </remarks>
internal static class SeparateZRule
{
    /// <summary>nnU-Net's <c>ANISO_THRESHOLD</c> (<c>configuration.py</c>).</summary>
    public const double AnisotropyThreshold = 3;

    /// <summary>The low-resolution axis to treat separately, or null when resampling is fully 3-D.</summary>
    public static int? LowResAxis(ResamplingSpec spec, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> newSpacing)
    {
        ReadOnlySpan<double> source;
        if (spec.ForceSeparateZ is bool forced)
        {
            if (!forced)
            {
                return null;
            }

            source = currentSpacing;
        }
        else if (IsAnisotropic(currentSpacing))
        {
            source = currentSpacing;
        }
        else if (IsAnisotropic(newSpacing))
        {
            source = newSpacing;
        }
        else
        {
            return null;
        }

        // nnU-Net keeps every axis whose max/spacing ratio is exactly 1; two or three such axes switch separate-z off.
        double max = Max(source);
        int? axis = null;
        for (int i = 0; i < source.Length; i++)
        {
            if (max / source[i] == 1.0)
            {
                if (axis is not null)
                {
                    return null;
                }

                axis = i;
            }
        }

        return axis;
    }

    /// <summary>max/min &gt; 3, strictly.</summary>
    public static bool IsAnisotropic(ReadOnlySpan<double> spacing)
    {
        double min = double.PositiveInfinity;
        foreach (double s in spacing)
        {
            min = Math.Min(min, s);
        }

        return Max(spacing) / min > AnisotropyThreshold;
    }

    private static double Max(ReadOnlySpan<double> spacing)
    {
        double max = double.NegativeInfinity;
        foreach (double s in spacing)
        {
            max = Math.Max(max, s);
        }

        return max;
    }
}
