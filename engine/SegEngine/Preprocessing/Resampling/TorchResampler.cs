using System.Numerics;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Resampling;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// nnU-Net's <c>resample_torch_fornnunet</c> (the <c>*_torchres</c> planners), one channel at a time, bit for bit with
/// torch 1.13's CPU kernels: trilinear on the whole volume, or with separate-z bilinear per slice and then
/// <c>nearest-exact</c> along the low-resolution axis. Label maps go through per-label masks.
/// </summary>
/// <remarks>
/// nnU-Net 2.8.1 <c>preprocessing/resampling/resample_torch.py</c>; nnunet-parity.md §3.5. The separate-z decision is the
/// SciPy function's (<see cref="ResamplingPlan"/>). Channels are independent in torch too, but which kernel runs
/// depends on how nnU-Net's array is laid out (<see cref="TorchLayout"/>), so the caller says.
/// </remarks>
internal static class TorchResampler
{
    /// <summary>Resamples one float32 channel (z·y·x) as the plan says.</summary>
    public static void ResampleData(ReadOnlySpan<float> input, Span<float> destination, ResamplingPlan plan, TorchLayout layout)
    {
        Validate(input.Length, destination.Length, plan);
        if (plan.IsPassThrough)
        {
            input.CopyTo(destination);
            return;
        }

        if (!plan.SeparateZ)
        {
            Shape3 i = plan.InputShape, o = plan.OutputShape;
            TorchInterpolation.Trilinear(
                input, TorchTaps.Linear<float>(i.Z, o.Z), TorchTaps.Linear<float>(i.Y, o.Y), TorchTaps.Linear<float>(i.X, o.X), destination, layout.ChannelsLast3D);
            return;
        }

        var slices = new TorchSlices(plan);
        using MemoryOwner<float> inPlane = MemoryOwner<float>.Allocate(slices.InputPlane);
        using MemoryOwner<float> outPlane = MemoryOwner<float>.Allocate(slices.OutputPlane);
        foreach ((int source, int[] outputs) in slices.Selections())
        {
            slices.Extract(input, source, inPlane.Span);
            if (slices.PlaneUnchanged)
            {
                inPlane.Span.CopyTo(outPlane.Span);
            }
            else
            {
                TorchInterpolation.Bilinear(inPlane.Span, slices.P, slices.Q, outPlane.Span, layout.ChannelsLastPlane);
            }

            foreach (int output in outputs)
            {
                slices.Insert<float>(outPlane.Span, destination, output);
            }
        }
    }

    /// <summary>
    /// Resamples one label-map channel: for every label u present (ascending) the mask (seg == u) is interpolated;
    /// memory-efficient: a voxel takes u where its mask exceeds 0.5, later labels winning; otherwise masks are scaled by
    /// 1000 and stored as fp16, a voxel takes u where its value exceeds 700 and the rest take the argmax over labels.
    /// </summary>
    public static void ResampleSegmentation<T>(ReadOnlySpan<T> input, Span<T> destination, ResamplingPlan plan, bool memoryEfficient, TorchLayout masks)
        where T : unmanaged, IBinaryInteger<T>
    {
        Validate(input.Length, destination.Length, plan);
        if (plan.IsPassThrough)
        {
            input.CopyTo(destination);
            return;
        }

        T[] labels = [.. new SortedSet<T>(input.ToArray())];
        if (!plan.SeparateZ)
        {
            Shape3 i = plan.InputShape, o = plan.OutputShape;
            var z = TorchTaps.Linear<float>(i.Z, o.Z);
            var y = TorchTaps.Linear<float>(i.Y, o.Y);
            var x = TorchTaps.Linear<float>(i.X, o.X);
            TorchLabelMasks.Resample(input, destination, labels, memoryEfficient, (mask, values) => TorchInterpolation.Trilinear(mask, z, y, x, values, masks.ChannelsLast3D));
            return;
        }

        var slices = new TorchSlices(plan);
        using MemoryOwner<T> inPlane = MemoryOwner<T>.Allocate(slices.InputPlane);
        using MemoryOwner<T> outPlane = MemoryOwner<T>.Allocate(slices.OutputPlane);
        MaskInterpolation inPlane2D = (mask, values) => TorchInterpolation.Bilinear(mask, slices.P, slices.Q, values, masks.ChannelsLastPlane);
        foreach ((int source, int[] outputs) in slices.Selections())
        {
            slices.Extract(input, source, inPlane.Span);
            if (slices.PlaneUnchanged)
            {
                inPlane.Span.CopyTo(outPlane.Span);
            }
            else
            {
                TorchLabelMasks.Resample<T>(inPlane.Span, outPlane.Span, labels, memoryEfficient, inPlane2D);
            }

            foreach (int output in outputs)
            {
                slices.Insert<T>(outPlane.Span, destination, output);
            }
        }
    }

    private static void Validate(int inputLength, int destinationLength, ResamplingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
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
