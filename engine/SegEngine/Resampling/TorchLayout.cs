namespace SegEngine.Resampling;

/// <summary>
/// Which of torch's two interpolation kernels (<see cref="TorchInterpolation"/>) nnU-Net's call reaches, for the 3-D
/// step and for the in-plane step of separate-z. torch picks the channels-last kernel when the input tensor
/// (1, C, spatial…) is channels-last contiguous, which depends on the strides of the array nnU-Net hands over.
/// </summary>
/// <remarks>
/// torch 1.13 <c>is_contiguous(ChannelsLast[3d])</c>: walking C, then the spatial axes from the last, every axis of
/// length ≠ 1 must have the stride of the axes walked before it multiplied together. So one channel with a compact
/// layout takes the channels-last kernel, and so does any channel count when every spatial length is 1.
/// </remarks>
/// <param name="ChannelsLast3D">The non-separate step (<c>trilinear</c> on (1, C, z, y, x)).</param>
/// <param name="ChannelsLastPlane">The separate-z in-plane step (<c>bilinear</c> on (1, C·n_axis, a, b)).</param>
internal readonly record struct TorchLayout(bool ChannelsLast3D, bool ChannelsLastPlane)
{
    /// <summary>
    /// The layout of a strided view: <paramref name="channels"/> channels of <paramref name="shape"/> with element
    /// strides <paramref name="channelStride"/> and <paramref name="strides"/> (z, y, x), resampled separately along
    /// <paramref name="lowResAxis"/> (or −1).
    /// </summary>
    public static TorchLayout OfView(int channels, long channelStride, Shape3 shape, ReadOnlySpan<long> strides, int lowResAxis)
    {
        bool channelsLast3D = IsChannelsLast([channels, shape.Z, shape.Y, shape.X], [channelStride, strides[0], strides[1], strides[2]]);
        if (lowResAxis < 0)
        {
            return new TorchLayout(channelsLast3D, false);
        }

        // einops' rearrange "c x y z -> (c a) p q": a permute, then a reshape that is a view when c and a merge, else a copy.
        int p = lowResAxis == 0 ? 1 : 0;
        int q = lowResAxis == 2 ? 1 : 2;
        long a = shape[lowResAxis];
        long merged = channels * a;
        long mergedStride, pStride = strides[p], qStride = strides[q];
        if (channels == 1 || a == 1 || channelStride == a * strides[lowResAxis])
        {
            mergedStride = a == 1 ? channelStride : strides[lowResAxis];
        }
        else
        {
            mergedStride = (long)shape[p] * shape[q];
            pStride = shape[q];
            qStride = 1;
        }

        return new TorchLayout(channelsLast3D, IsChannelsLast([merged, shape[p], shape[q]], [mergedStride, pStride, qStride]));
    }

    /// <summary>A C-contiguous (C, z, y, x) array.</summary>
    public static TorchLayout OfContiguous(int channels, Shape3 shape, int lowResAxis) =>
        OfView(channels, shape.Voxels, shape, [(long)shape.Y * shape.X, shape.X, 1], lowResAxis);

    /// <summary>
    /// The view nnU-Net's preprocessing resamples: the reader's C-contiguous (C, reader axes) array, transposed by
    /// <paramref name="transposeForward"/> and cropped to <paramref name="cropped"/> (crop slices keep the strides).
    /// </summary>
    public static TorchLayout OfPreprocessingView(int channels, Shape3 readerShape, IReadOnlyList<int> transposeForward, Shape3 cropped, int lowResAxis) =>
        OfView(channels, readerShape.Voxels, cropped, TransposedStrides(readerShape, transposeForward), lowResAxis);

    /// <summary>The element strides (transposed axis order) of a C-contiguous reader-order array viewed through <paramref name="transposeForward"/>.</summary>
    public static long[] TransposedStrides(Shape3 readerShape, IReadOnlyList<int> transposeForward)
    {
        long[] readerStrides = [(long)readerShape.Y * readerShape.X, readerShape.X, 1];
        return [readerStrides[transposeForward[0]], readerStrides[transposeForward[1]], readerStrides[transposeForward[2]]];
    }

    /// <summary>
    /// The masks <c>(seg[None] == u).float()</c> nnU-Net interpolates for a label map viewed with <paramref name="viewStrides"/>:
    /// a new tensor, compact, whose axes keep the view's stride order (torch's TensorIterator allocates it so).
    /// </summary>
    public static TorchLayout OfMasks(Shape3 shape, ReadOnlySpan<long> viewStrides, int lowResAxis)
    {
        long[] dense = DenseInStrideOrder([shape.Z, shape.Y, shape.X], viewStrides);
        bool channelsLast3D = IsChannelsLast([1, shape.Z, shape.Y, shape.X], [1, dense[0], dense[1], dense[2]]);
        if (lowResAxis < 0)
        {
            return new TorchLayout(channelsLast3D, false);
        }

        // The rearranged label map is a view (one channel always merges); its masks are compact in its stride order.
        int p = lowResAxis == 0 ? 1 : 0;
        int q = lowResAxis == 2 ? 1 : 2;
        long[] planeDense = DenseInStrideOrder([shape[lowResAxis], shape[p], shape[q]], [viewStrides[lowResAxis], viewStrides[p], viewStrides[q]]);
        return new TorchLayout(channelsLast3D, IsChannelsLast([shape[lowResAxis], shape[p], shape[q]], planeDense));
    }

    /// <summary>torch's channels-last contiguity of (1, sizes…): sizes[0] is C, the rest spatial.</summary>
    internal static bool IsChannelsLast(ReadOnlySpan<long> sizes, ReadOnlySpan<long> strides)
    {
        long expected = 1;
        for (int k = 0; k < sizes.Length; k++)
        {
            int d = k == 0 ? 0 : sizes.Length - k;
            if (sizes[d] != 1)
            {
                if (strides[d] != expected)
                {
                    return false;
                }

                expected *= sizes[d];
            }
        }

        return true;
    }

    /// <summary>Compact strides for <paramref name="sizes"/> with the axes ordered as <paramref name="strides"/> orders them (largest outermost).</summary>
    private static long[] DenseInStrideOrder(long[] sizes, ReadOnlySpan<long> strides)
    {
        int[] order = [.. Enumerable.Range(0, sizes.Length)];
        long[] keys = strides.ToArray();
        Array.Sort(keys, order);
        var dense = new long[sizes.Length];
        long step = 1;
        foreach (int axis in order)
        {
            dense[axis] = step;
            step *= sizes[axis];
        }

        return dense;
    }
}
