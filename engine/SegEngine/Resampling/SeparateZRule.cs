namespace SegEngine.Resampling;

/// <summary>
/// nnU-Net's choice of whether a resampling treats one axis, the low-resolution one, separately: in-plane
/// interpolation per slice, then nearest along that axis. Preprocessing and export both follow it.
/// </summary>
/// <remarks>nnU-Net 2.8.1 <c>preprocessing/resampling/default_resampling.py</c>; nnunet-parity.md §3.5.</remarks>
internal static class SeparateZRule
{
    /// <summary><c>ANISO_THRESHOLD</c> in nnU-Net's <c>configuration.py</c>: max/min spacing strictly above this is anisotropic.</summary>
    public const double AnisotropyThreshold = 3.0;

    /// <summary>
    /// <c>determine_do_sep_z_and_axis</c>: forced on (lowres axis of the current spacing) or off, else anisotropy of the
    /// current spacing, then of the new one. A lowres axis shared by two or three axes switches separate-z off.
    /// </summary>
    /// <returns>Whether to resample separately, and the low-resolution axis (0, 1 or 2), or −1 when not.</returns>
    public static (bool SeparateZ, int Axis) Determine(bool? forceSeparateZ, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> newSpacing)
    {
        SpacingChecks.Require(currentSpacing, "current spacing");
        SpacingChecks.Require(newSpacing, "new spacing");
        ReadOnlySpan<double> source;
        if (forceSeparateZ is bool forced)
        {
            if (!forced)
            {
                return (false, -1);
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
            return (false, -1);
        }

        int axis = -1;
        int count = 0;
        double max = Math.Max(source[0], Math.Max(source[1], source[2]));
        for (int i = 0; i < 3; i++)
        {
            // get_lowres_axis: max(s) / s == 1, an exact comparison.
            if (max / source[i] == 1.0)
            {
                axis = i;
                count++;
            }
        }

        return count == 1 ? (true, axis) : (false, -1);
    }

    /// <summary><c>get_do_separate_z</c>: max(s) / min(s) &gt; 3, strictly.</summary>
    public static bool IsAnisotropic(ReadOnlySpan<double> spacing)
    {
        double max = Math.Max(spacing[0], Math.Max(spacing[1], spacing[2]));
        double min = Math.Min(spacing[0], Math.Min(spacing[1], spacing[2]));
        return max / min > AnisotropyThreshold;
    }
}
