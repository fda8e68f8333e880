using SegEngine.Model;
using SegEngine.Resampling;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// Runs the resampling function a configuration names (<see cref="ResamplingSpec"/>) on one channel: SciPy's
/// (<see cref="Resampler"/>), torch's (<see cref="TorchResampler"/>) or <c>no_resampling_hack</c>, which returns the
/// data as it is, whatever shape was asked for.
/// </summary>
/// <remarks>nnU-Net 2.8.1 <c>DefaultPreprocessor.run_case_npy</c> calls <c>resampling_fn_data</c> and <c>resampling_fn_seg</c> with the same new shape; nnunet-parity.md §3.5.</remarks>
internal static class PlannedResampling
{
    /// <summary>
    /// The grid <paramref name="function"/> leaves a cropped case on: <c>compute_new_shape</c>'s, or the cropped shape
    /// itself under <c>no_resampling_hack</c>.
    /// </summary>
    public static Shape3 ResampledShape(ResamplingSpec function, Shape3 cropped, ReadOnlySpan<double> currentSpacing, ReadOnlySpan<double> targetSpacing)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.IsNoResampling ? cropped : ResamplingPlan.ComputeNewShape(cropped, currentSpacing, targetSpacing);
    }

    /// <summary>
    /// The working memory <see cref="ResampleData"/> holds beside its input and destination for one channel: SciPy's
    /// spline working set; torch's and <c>no_resampling_hack</c>'s, a few planes at most, count as nothing.
    /// </summary>
    public static long DataWorkingBytes(ResamplingSpec function, ResamplingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.IsNoResampling || function.IsTorch ? 0 : Resampler.DataWorkingBytes(plan, function);
    }

    /// <summary>One image channel; <paramref name="layout"/> is the layout nnU-Net's array has (used by torch only).</summary>
    public static void ResampleData(ReadOnlySpan<float> input, Span<float> destination, ResamplingPlan plan, ResamplingSpec function, TorchLayout layout)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(plan);
        if (function.IsNoResampling)
        {
            RequireUnchanged(plan, function);
            input.CopyTo(destination);
        }
        else if (function.IsTorch)
        {
            TorchResampler.ResampleData(input, destination, plan, layout);
        }
        else
        {
            Resampler.ResampleData(input, destination, plan, function);
        }
    }

    /// <summary>One label-map channel; <paramref name="masks"/> is the layout of nnU-Net's per-label masks (used by torch only).</summary>
    public static void ResampleSegmentation(ReadOnlySpan<short> input, Span<short> destination, ResamplingPlan plan, ResamplingSpec function, TorchLayout masks)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(plan);
        if (function.IsNoResampling)
        {
            RequireUnchanged(plan, function);
            input.CopyTo(destination);
        }
        else if (function.IsTorch)
        {
            TorchResampler.ResampleSegmentation(input, destination, plan, function.MemoryEfficientSeg, masks);
        }
        else
        {
            Resampler.ResampleSegmentation(input, destination, plan, function);
        }
    }

    private static void RequireUnchanged(ResamplingPlan plan, ResamplingSpec function)
    {
        if (!plan.IsPassThrough)
        {
            throw new ArgumentException($"{function.FunctionName} keeps the shape {plan.InputShape}; the plan asks for {plan.OutputShape}", nameof(plan));
        }
    }
}
