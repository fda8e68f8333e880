using System.Globalization;
using SegEngine.Kernels;
using SegEngine.Model;

namespace SegEngine.Preprocessing;

/// <summary>
/// nnU-Net's per-channel intensity normalisations, in place and in float32, bit-exact with NumPy 1.24.
/// </summary>
/// <remarks>
/// <c>DefaultPreprocessor._normalize</c> and <c>preprocessing/normalization/default_normalization_schemes.py</c>,
/// nnunet-parity.md §3.4. Python float constants are rounded to float32 before the float32 operation, as NumPy's value-based
/// casting does for <c>float32_array op python_float</c>. Runs on the cropped, not yet resampled data.
/// </remarks>
internal static class IntensityNormalization
{
    /// <summary>nnU-Net's <c>1e-8</c> floor for a standard deviation or range (float32 target dtype).</summary>
    public const double Epsilon = 1e-8;

    /// <summary>Elements per parallel work item of the elementwise passes (memory-bound; 1 Mi keeps scheduling cheap).</summary>
    private const int ElementsPerWorkItem = 1 << 20;

    /// <summary>
    /// Normalises every channel of <paramref name="data"/> with its scheme, like <c>_normalize</c>.
    /// </summary>
    /// <param name="data">The cropped image channels (C, z, y, x); normalised in place.</param>
    /// <param name="schemes">Plans <c>normalization_schemes</c>, one per channel.</param>
    /// <param name="useMaskForNorm">Plans <c>use_mask_for_norm</c>, one per channel (only ZScore reads it).</param>
    /// <param name="intensityProperties">Plans <c>foreground_intensity_properties_per_channel</c> by channel (CT needs them).</param>
    /// <param name="mask">The cropped nonzero mask (1 channel, nonzero = inside, i.e. <c>seg ≥ 0</c>), or null when there is none.</param>
    public static void Normalize(
        VolumeBuffer<float> data,
        IReadOnlyList<NormalizationScheme> schemes,
        IReadOnlyList<bool> useMaskForNorm,
        IReadOnlyList<IntensityProperties?> intensityProperties,
        VolumeBuffer<byte>? mask)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (schemes.Count != data.Channels || useMaskForNorm.Count != data.Channels)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidModel,
                $"plans: normalization_schemes has {schemes.Count} and use_mask_for_norm {useMaskForNorm.Count} entries, but the image has {data.Channels} channels");
        }

        if (mask is not null && (mask.Channels != 1 || mask.Shape != data.Shape))
        {
            throw new ArgumentException($"the mask is {mask.Channels} x {mask.Shape}, expected 1 x {data.Shape}", nameof(mask));
        }

        for (int c = 0; c < data.Channels; c++)
        {
            Memory<float> channel = data.Memory.Slice(c * data.ChannelLength, data.ChannelLength);
            switch (schemes[c])
            {
                case NormalizationScheme.CTNormalization:
                    IntensityProperties properties = c < intensityProperties.Count && intensityProperties[c] is { } found
                        ? found
                        : throw new SegEngineException(
                            SegErrorCode.InvalidModel,
                            $"plans: foreground_intensity_properties_per_channel has no entry '{c}', which CTNormalization of channel {c} needs");
                    CTNormalization(channel, properties);
                    break;
                case NormalizationScheme.ZScoreNormalization when useMaskForNorm[c]:
                    if (mask is null)
                    {
                        throw new ArgumentException($"channel {c} uses the mask for normalisation but no mask was given", nameof(mask));
                    }

                    ZScoreNormalizationMasked(channel.Span, mask.Span);
                    break;
                case NormalizationScheme.ZScoreNormalization:
                    ZScoreNormalization(channel);
                    break;
                case NormalizationScheme.RescaleTo01Normalization:
                    RescaleTo01Normalization(channel);
                    break;
                case NormalizationScheme.RGBTo01Normalization:
                    RGBTo01Normalization(channel, c);
                    break;
                case NormalizationScheme.NoNormalization:
                    break;
                default:
                    throw new SegEngineException(SegErrorCode.Unsupported, $"plans: normalisation scheme {schemes[c]} of channel {c} is not supported");
            }
        }
    }

    /// <summary><c>CTNormalization.run</c>: clip to the foreground percentiles, subtract the mean, divide by the std.</summary>
    public static void CTNormalization(Memory<float> channel, IntensityProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        float lower = (float)properties.Percentile00_5;
        float upper = (float)properties.Percentile99_5;
        float mean = (float)properties.Mean;
        float divisor = (float)PythonMax(properties.Std, Epsilon);
        ForEachBlock(channel, block => SegKernels.ClipSubtractDivide(block, lower, upper, mean, divisor, block));
    }

    /// <summary><c>ZScoreNormalization.run</c> without mask: statistics over the whole channel. Returns the float32 mean and std used.</summary>
    public static (float Mean, float Std) ZScoreNormalization(Memory<float> channel)
    {
        (float mean, float std) = NumPyStatistics.MeanAndStd(channel);
        float divisor = FloorStd(std);
        ForEachBlock(channel, block => SegKernels.SubtractDivide(block, mean, divisor, block));
        return (mean, std);
    }

    /// <summary>
    /// <c>ZScoreNormalization.run</c> with <c>use_mask_for_norm</c>: statistics over the voxels inside
    /// <paramref name="mask"/> only, and only those rewritten. An empty mask gives NaN statistics and changes nothing.
    /// Returns the float32 mean and std used.
    /// </summary>
    public static (float Mean, float Std) ZScoreNormalizationMasked(Span<float> channel, ReadOnlySpan<byte> mask)
    {
        (float mean, float std) = NumPyStatistics.MaskedMeanAndStd(channel, mask);
        float divisor = FloorStd(std);
        SegKernels.SubtractDivideMasked(channel, mask, mean, divisor, channel);
        return (mean, std);
    }

    /// <summary><c>RescaleTo01Normalization.run</c>: <c>x -= min(x); x /= max(max(x), eps)</c>.</summary>
    public static void RescaleTo01Normalization(Memory<float> channel)
    {
        float minimum = System.Numerics.Tensors.TensorPrimitives.Min<float>(channel.Span);
        ForEachBlock(channel, block => SegKernels.SubtractDivide(block, minimum, 1f, block));
        float maximum = System.Numerics.Tensors.TensorPrimitives.Max<float>(channel.Span);
        float divisor = FloorStd(maximum);
        ForEachBlock(channel, block => SegKernels.SubtractDivide(block, 0f, divisor, block));
    }

    /// <summary>
    /// <c>RGBTo01Normalization.run</c>: every value must lie in [0, 255] (NaN fails), then <c>x /= 255</c>.
    /// </summary>
    /// <exception cref="SegEngineException">A value is outside [0, 255]; the message names the channel and the value.</exception>
    public static void RGBTo01Normalization(Memory<float> channel, int channelIndex)
    {
        ReadOnlySpan<float> values = channel.Span;
        if (values.Length > 0)
        {
            float minimum = System.Numerics.Tensors.TensorPrimitives.Min(values);
            float maximum = System.Numerics.Tensors.TensorPrimitives.Max(values);
            if (!(minimum >= 0f) || !(maximum <= 255f))
            {
                float offending = !(minimum >= 0f) ? minimum : maximum;
                throw new SegEngineException(
                    SegErrorCode.InvalidInput,
                    $"RGBTo01Normalization: channel {channelIndex} holds the value {offending.ToString("R", CultureInfo.InvariantCulture)}; RGB images must lie in [0, 255]");
            }
        }

        ForEachBlock(channel, block => SegKernels.SubtractDivide(block, 0f, 255f, block));
    }

    /// <summary>Python's <c>max(a, b)</c>: returns <paramref name="a"/> unless <paramref name="b"/> &gt; a (so a NaN first argument survives).</summary>
    private static double PythonMax(double a, double b) => b > a ? b : a;

    /// <summary>
    /// <c>max(float32_value, 1e-8)</c> in Python compares in float64 and may return the Python float, which NumPy then
    /// rounds to float32 for the division.
    /// </summary>
    private static float FloorStd(float value) => Epsilon > value ? (float)Epsilon : value;

    private static void ForEachBlock(Memory<float> channel, SpanAction action)
    {
        int blocks = (channel.Length + ElementsPerWorkItem - 1) / ElementsPerWorkItem;
        if (blocks <= 1)
        {
            action(channel.Span);
            return;
        }

        Parallel.For(0, blocks, block =>
        {
            int start = block * ElementsPerWorkItem;
            action(channel.Span.Slice(start, Math.Min(ElementsPerWorkItem, channel.Length - start)));
        });
    }

    private delegate void SpanAction(Span<float> block);
}
