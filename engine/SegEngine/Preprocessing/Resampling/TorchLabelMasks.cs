using System.Numerics;
using CommunityToolkit.HighPerformance.Buffers;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>Interpolates one float32 mask onto the output grid (torch's trilinear or bilinear, as the caller chose).</summary>
internal delegate void MaskInterpolation(ReadOnlySpan<float> mask, Span<float> values);

/// <summary>
/// The label-map branch of nnU-Net's <c>resample_torch_simple</c>: one interpolated mask per label, never all at
/// once. The argmax nnU-Net takes over its (labels × voxels) fp16 array is kept as a running maximum per voxel, in
/// label order with a strict comparison, which gives torch's first-maximum rule.
/// </summary>
/// <remarks>nnU-Net 2.8.1 <c>preprocessing/resampling/resample_torch.py</c>; nnunet-parity.md §3.5.</remarks>
internal static class TorchLabelMasks
{
    /// <summary><c>scale_factor</c>: masks are 0 or 1000 before interpolation.</summary>
    private const float Scale = 1000f;

    /// <summary><c>0.7 * scale_factor</c>, compared in fp16 (700 is exact there).</summary>
    private const float Confident = 700f;

    /// <summary>Resamples a label map; <paramref name="labels"/> are those present in the whole map (<c>torch.unique</c>), ascending.</summary>
    public static void Resample<T>(ReadOnlySpan<T> input, Span<T> destination, T[] labels, bool memoryEfficient, MaskInterpolation interpolate)
        where T : unmanaged, IBinaryInteger<T>
    {
        using MemoryOwner<float> mask = MemoryOwner<float>.Allocate(input.Length);
        using MemoryOwner<float> values = MemoryOwner<float>.Allocate(destination.Length);
        destination.Clear();
        if (memoryEfficient)
        {
            foreach (T label in labels)
            {
                Fill(input, label, 1f, mask.Span);
                interpolate(mask.Span, values.Span);
                ReadOnlySpan<float> v = values.Span;
                for (int i = 0; i < v.Length; i++)
                {
                    if (v[i] > 0.5f)
                    {
                        destination[i] = label;
                    }
                }
            }

            return;
        }

        using MemoryOwner<Half> best = MemoryOwner<Half>.Allocate(destination.Length);
        using MemoryOwner<int> winner = MemoryOwner<int>.Allocate(destination.Length);
        using MemoryOwner<bool> done = MemoryOwner<bool>.Allocate(destination.Length);
        done.Span.Clear();
        for (int k = 0; k < labels.Length; k++)
        {
            Fill(input, labels[k], Scale, mask.Span);
            interpolate(mask.Span, values.Span);
            ReadOnlySpan<float> v = values.Span;
            Span<Half> top = best.Span;
            Span<int> index = winner.Span;
            Span<bool> decided = done.Span;
            for (int i = 0; i < v.Length; i++)
            {
                Half h = (Half)v[i];
                if ((float)h > Confident)
                {
                    destination[i] = labels[k];
                    decided[i] = true;
                }

                if (k == 0 || h > top[i])
                {
                    top[i] = h;
                    index[i] = k;
                }
            }
        }

        ReadOnlySpan<bool> finished = done.Span;
        ReadOnlySpan<int> argmax = winner.Span;
        for (int i = 0; i < destination.Length; i++)
        {
            if (!finished[i])
            {
                destination[i] = labels[argmax[i]];
            }
        }
    }

    private static void Fill<T>(ReadOnlySpan<T> input, T label, float on, Span<float> mask)
        where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < input.Length; i++)
        {
            mask[i] = input[i] == label ? on : 0f;
        }
    }
}
