using System.Numerics;
using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Model;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// nnU-Net's <c>resample_data_or_seg_to_shape</c>, one channel at a time, bit-exact to SciPy 1.10 / skimage 0.19.
/// Images go through skimage's <c>resize</c> (clip to the input's range, float32 store); label maps through
/// batchgenerators' <c>resize_segmentation</c>. Nothing is converted to a float64 volume.
/// </summary>
/// <remarks>
/// nnU-Net 2.8.1 <c>default_resampling.resample_data_or_seg</c>; nnunet-parity.md §3.5. Call once per channel: nnU-Net's
/// channels are independent (each has its own clip range), so callers can stream them.
/// </remarks>
internal static class Resampler
{
    /// <summary>Resamples one image channel with the spacings of a case (decides separate-z itself).</summary>
    public static void ResampleData(ReadOnlySpan<float> input, Shape3 inputShape, Span<float> destination, Shape3 outputShape, double[] currentSpacing, double[] newSpacing, ResamplingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ResampleData(input, destination, ResamplingPlan.Create(inputShape, outputShape, currentSpacing, newSpacing, spec.ForceSeparateZ), spec);
    }

    /// <summary>
    /// The working memory <see cref="ResampleData(ReadOnlySpan{float}, Span{float}, ResamplingPlan, ResamplingSpec)"/> holds for one
    /// channel: the spline's float64 working set over the volume, or over one slice plus that slice in and out.
    /// </summary>
    public static long DataWorkingBytes(ResamplingPlan plan, ResamplingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(spec);
        if (plan.IsPassThrough)
        {
            return 0;
        }

        if (!plan.SeparateZ)
        {
            return SplineResizer.WorkingBytes(plan.InputShape, plan.OutputShape, spec.Order, planar: false);
        }

        var slices = new SliceLayout(plan);
        return SplineResizer.WorkingBytes(slices.InputSlice, slices.OutputSlice, spec.Order, planar: true)
            + ((slices.InputSlice.Voxels + slices.OutputSlice.Voxels) * sizeof(float));
    }

    /// <summary>Resamples one image channel (float32, z·y·x) into <paramref name="destination"/> as the plan says.</summary>
    /// <exception cref="SegEngineException">Unsupported resampling function or order, or NaN in the input.</exception>
    public static unsafe void ResampleData(ReadOnlySpan<float> input, Span<float> destination, ResamplingPlan plan, ResamplingSpec spec)
    {
        Validate(input.Length, destination.Length, plan, spec, isSeg: false);
        if (plan.IsPassThrough)
        {
            input.CopyTo(destination);
            return;
        }

        fixed (float* source = input)
        fixed (float* target = destination)
        {
            if (!plan.SeparateZ)
            {
                (double min, double max) = Range(input);
                SplineResizer.Resize(new SingleSource(source), plan.InputShape, plan.OutputShape, spec.Order, planar: false, new ClippedSingleSink(target, plan.OutputShape, min, max));
                return;
            }

            var slices = new SliceLayout(plan);
            using MemoryOwner<float> sliceIn = MemoryOwner<float>.Allocate(slices.InputSlice.Y * slices.InputSlice.X);
            using MemoryOwner<float> sliceOut = MemoryOwner<float>.Allocate(slices.OutputSlice.Y * slices.OutputSlice.X);
            fixed (float* inSlice = sliceIn.Span)
            fixed (float* outSlice = sliceOut.Span)
            {
                for (int s = 0; s < slices.InputCount; s++)
                {
                    if (!slices.IsUsed(s))
                    {
                        continue;
                    }

                    slices.Extract(source, s, inSlice);
                    (double min, double max) = Range(new ReadOnlySpan<float>(inSlice, sliceIn.Length));
                    SplineResizer.Resize(new SingleSource(inSlice), slices.InputSlice, slices.OutputSlice, spec.Order, planar: true, new ClippedSingleSink(outSlice, slices.OutputSlice, min, max));
                    slices.Scatter(outSlice, s, target, static (v, selected) => selected ? 0f + v : v);
                }
            }
        }
    }

    /// <summary>Resamples one label-map channel with the spacings of a case (decides separate-z itself).</summary>
    public static void ResampleSegmentation<T>(ReadOnlySpan<T> input, Shape3 inputShape, Span<T> destination, Shape3 outputShape, double[] currentSpacing, double[] newSpacing, ResamplingSpec spec)
        where T : unmanaged, IBinaryInteger<T>
    {
        ArgumentNullException.ThrowIfNull(spec);
        ResampleSegmentation(input, destination, ResamplingPlan.Create(inputShape, outputShape, currentSpacing, newSpacing, spec.ForceSeparateZ), spec);
    }

    /// <summary>Resamples one label-map channel (int8, uint8 or int16; −1 is a label like any other).</summary>
    /// <exception cref="SegEngineException">Unsupported resampling function or order.</exception>
    public static unsafe void ResampleSegmentation<T>(ReadOnlySpan<T> input, Span<T> destination, ResamplingPlan plan, ResamplingSpec spec)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (typeof(T) != typeof(sbyte) && typeof(T) != typeof(byte) && typeof(T) != typeof(short))
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"label maps of {typeof(T).Name} are not supported; expected int8, uint8 or int16");
        }

        Validate(input.Length, destination.Length, plan, spec, isSeg: true);
        if (plan.IsPassThrough)
        {
            input.CopyTo(destination);
            return;
        }

        destination.Clear();
        fixed (T* source = input)
        fixed (T* target = destination)
        {
            if (!plan.SeparateZ)
            {
                ResizeSegmentation(source, input.Length, plan.InputShape, target, plan.OutputShape, spec.Order, planar: false);
                return;
            }

            var slices = new SliceLayout(plan);
            int inLength = slices.InputSlice.Y * slices.InputSlice.X;
            using MemoryOwner<T> sliceIn = MemoryOwner<T>.Allocate(inLength);
            using MemoryOwner<T> sliceOut = MemoryOwner<T>.Allocate(slices.OutputSlice.Y * slices.OutputSlice.X);
            fixed (T* inSlice = sliceIn.Span)
            fixed (T* outSlice = sliceOut.Span)
            {
                for (int s = 0; s < slices.InputCount; s++)
                {
                    if (!slices.IsUsed(s))
                    {
                        continue;
                    }

                    slices.Extract(source, s, inSlice);
                    sliceOut.Span.Clear();
                    ResizeSegmentation(inSlice, inLength, slices.InputSlice, outSlice, slices.OutputSlice, spec.Order, planar: true);
                    slices.Scatter(outSlice, s, target, static (v, _) => v);
                }
            }
        }
    }

    /// <summary><c>resize_segmentation</c>: one mask resize per label present, ascending, later labels winning.</summary>
    private static unsafe void ResizeSegmentation<T>(T* source, int length, Shape3 inputShape, T* target, Shape3 outputShape, int order, bool planar)
        where T : unmanaged, IBinaryInteger<T>
    {
        // Counting sort over the label type's whole range gives np.unique's ascending order.
        int offset = typeof(T) == typeof(short) ? 32768 : typeof(T) == typeof(sbyte) ? 128 : 0;
        int bins = typeof(T) == typeof(short) ? 65536 : 256;
        int[] rented = System.Buffers.ArrayPool<int>.Shared.Rent(bins);
        Span<int> counts = rented.AsSpan(0, bins);
        counts.Clear();
        for (int i = 0; i < length; i++)
        {
            counts[int.CreateTruncating(source[i]) + offset]++;
        }

        for (int v = 0; v < counts.Length; v++)
        {
            if (counts[v] == 0)
            {
                continue;
            }

            T label = T.CreateTruncating(v - offset);
            double min = counts[v] == length ? 1.0 : 0.0;
            SplineResizer.Resize(new LabelMaskSource<T>(source, label), inputShape, outputShape, order, planar, new LabelThresholdSink<T>(target, outputShape, min, 1.0, label));
        }

        System.Buffers.ArrayPool<int>.Shared.Return(rented);
    }

    private static (double Min, double Max) Range(ReadOnlySpan<float> values)
    {
        float min = TensorPrimitives.Min(values);
        float max = TensorPrimitives.Max(values);
        if (float.IsNaN(min) || float.IsNaN(max))
        {
            throw new SegEngineException(SegErrorCode.Numeric, "the image to resample contains NaN");
        }

        return (min, max);
    }

    private static void Validate(int inputLength, int destinationLength, ResamplingPlan plan, ResamplingSpec spec, bool isSeg)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.FunctionName != ResamplingSpec.DefaultFunction)
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"plans resampling function '{spec.FunctionName}' is not supported; expected '{ResamplingSpec.DefaultFunction}'");
        }

        if (spec.Order is not (0 or 1 or 3))
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"resampling order {spec.Order} is not supported; expected 0, 1 or 3");
        }

        if (plan.SeparateZ && spec.OrderZ != 0)
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"order_z {spec.OrderZ} is not supported; expected 0");
        }

        if (spec.IsSeg != isSeg)
        {
            throw new ArgumentException($"spec is_seg={spec.IsSeg} used for {(isSeg ? "a label map" : "an image")}", nameof(spec));
        }

        if (inputLength != plan.InputShape.Voxels)
        {
            throw new ArgumentException($"input holds {inputLength} voxels; the plan's input shape {plan.InputShape} has {plan.InputShape.Voxels}", "input");
        }

        if (destinationLength != plan.OutputShape.Voxels)
        {
            throw new ArgumentException($"destination holds {destinationLength} voxels; the plan's output shape {plan.OutputShape} has {plan.OutputShape.Voxels}", "destination");
        }
    }
}
