using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Kernels;

namespace SegEngine.Resampling;

/// <summary>
/// torch 1.13's CPU <c>F.interpolate(mode='bilinear'|'trilinear', align_corners=False, antialias=False)</c> on one
/// float32 channel, bit for bit, in both of torch's kernels: the NCHW/NCDHW one (nested per axis, last axis innermost,
/// each level <see cref="SegKernels.TorchBlend"/>) and the channels-last one (weights multiplied out in float32, the
/// 4 or 8 terms summed in float64 in tap order, rounded once).
/// </summary>
/// <remarks>
/// Which kernel torch runs depends on the tensor's memory layout (<see cref="TorchLayout"/>), not on the values.
/// Taps and weights: <see cref="TorchTaps"/>. nnunet-parity.md §3.5 (torch resampling).
/// </remarks>
internal static unsafe class TorchInterpolation
{
    /// <summary>Output slices per parallel chunk: enough work to amortise a chunk's two cached planes.</summary>
    private const int SlicesPerChunk = 8;

    /// <summary>Resamples a y·x plane onto <paramref name="y"/>.OutputLength · <paramref name="x"/>.OutputLength.</summary>
    public static void Bilinear(ReadOnlySpan<float> plane, TapPairs<float> y, TapPairs<float> x, Span<float> destination, bool channelsLast)
    {
        int width = x.InputLength;
        Require(plane.Length, (long)y.InputLength * width, destination.Length, (long)y.OutputLength * x.OutputLength);
        if (channelsLast)
        {
            BilinearChannelsLast(plane, width, y, x, destination);
            return;
        }

        using MemoryOwner<float> rows = MemoryOwner<float>.Allocate(y.InputLength * x.OutputLength);
        BilinearNested(plane, y, x, destination, rows.Span);
    }

    /// <summary>Resamples a z·y·x volume onto the taps' output lengths; output slices are computed in parallel chunks.</summary>
    public static void Trilinear(ReadOnlySpan<float> volume, TapPairs<float> z, TapPairs<float> y, TapPairs<float> x, Span<float> destination, bool channelsLast)
    {
        int inPlane = y.InputLength * x.InputLength;
        int outPlane = y.OutputLength * x.OutputLength;
        Require(volume.Length, (long)z.InputLength * inPlane, destination.Length, (long)z.OutputLength * outPlane);
        int chunks = (z.OutputLength + SlicesPerChunk - 1) / SlicesPerChunk;
        int inLength = volume.Length, outLength = destination.Length;
        fixed (float* source = volume)
        fixed (float* target = destination)
        {
            float* from = source, to = target;
            Parallel.For(0, chunks, chunk =>
            {
                int first = chunk * SlicesPerChunk;
                int end = Math.Min(first + SlicesPerChunk, z.OutputLength);
                var input = new ReadOnlySpan<float>(from, inLength);
                var output = new Span<float>(to, outLength);
                if (channelsLast)
                {
                    TrilinearChannelsLast(input, z, y, x, output, first, end);
                }
                else
                {
                    TrilinearNested(input, z, y, x, output, first, end);
                }
            });
        }
    }

    /// <summary>Output slices [<paramref name="first"/>, <paramref name="end"/>) of the NCDHW kernel.</summary>
    private static void TrilinearNested(ReadOnlySpan<float> volume, TapPairs<float> z, TapPairs<float> y, TapPairs<float> x, Span<float> destination, int first, int end)
    {
        int inPlane = y.InputLength * x.InputLength;
        int outPlane = y.OutputLength * x.OutputLength;

        // The nested kernel's inner two levels depend only on the input slice, so each slice's are computed once.
        using MemoryOwner<float> rows = MemoryOwner<float>.Allocate(y.InputLength * x.OutputLength);
        using MemoryOwner<float> planes = MemoryOwner<float>.Allocate(2 * outPlane);
        Span<float> low = planes.Span[..outPlane];
        Span<float> high = planes.Span[outPlane..];
        int lowSlice = -1, highSlice = -1;
        for (int oz = first; oz < end; oz++)
        {
            int z0 = z.Low[oz], z1 = z.High[oz];
            if (z0 == highSlice && z0 != lowSlice)
            {
                Swap(ref low, ref high);
                (lowSlice, highSlice) = (highSlice, lowSlice);
            }

            if (z0 != lowSlice)
            {
                BilinearNested(volume.Slice(z0 * inPlane, inPlane), y, x, low, rows.Span);
                lowSlice = z0;
            }

            if (z1 != highSlice)
            {
                BilinearNested(volume.Slice(z1 * inPlane, inPlane), y, x, high, rows.Span);
                highSlice = z1;
            }

            SegKernels.TorchBlend(low, high, z.W0[oz], z.W1[oz], destination.Slice(oz * outPlane, outPlane));
        }
    }

    private static void BilinearNested(ReadOnlySpan<float> plane, TapPairs<float> y, TapPairs<float> x, Span<float> destination, Span<float> rows)
    {
        int width = x.InputLength;
        int outWidth = x.OutputLength;
        for (int iy = 0; iy < y.InputLength; iy++)
        {
            ReadOnlySpan<float> row = plane.Slice(iy * width, width);
            Span<float> target = rows.Slice(iy * outWidth, outWidth);
            for (int ox = 0; ox < outWidth; ox++)
            {
                target[ox] = MathF.FusedMultiplyAdd(row[x.Low[ox]], x.W0[ox], row[x.High[ox]] * x.W1[ox]);
            }
        }

        for (int oy = 0; oy < y.OutputLength; oy++)
        {
            SegKernels.TorchBlend(
                rows.Slice(y.Low[oy] * outWidth, outWidth),
                rows.Slice(y.High[oy] * outWidth, outWidth),
                y.W0[oy],
                y.W1[oy],
                destination.Slice(oy * outWidth, outWidth));
        }
    }

    private static void BilinearChannelsLast(ReadOnlySpan<float> plane, int width, TapPairs<float> y, TapPairs<float> x, Span<float> destination)
    {
        int outWidth = x.OutputLength;
        for (int oy = 0; oy < y.OutputLength; oy++)
        {
            ReadOnlySpan<float> row0 = plane.Slice(y.Low[oy] * width, width);
            ReadOnlySpan<float> row1 = plane.Slice(y.High[oy] * width, width);
            float wy0 = y.W0[oy], wy1 = y.W1[oy];
            Span<float> target = destination.Slice(oy * outWidth, outWidth);
            for (int ox = 0; ox < outWidth; ox++)
            {
                int x0 = x.Low[ox], x1 = x.High[ox];
                float wx0 = x.W0[ox], wx1 = x.W1[ox];
                double sum = row0[x0] * (double)(wy0 * wx0);
                sum += row0[x1] * (double)(wy0 * wx1);
                sum += row1[x0] * (double)(wy1 * wx0);
                sum += row1[x1] * (double)(wy1 * wx1);
                target[ox] = (float)sum;
            }
        }
    }

    /// <summary>Output slices [<paramref name="first"/>, <paramref name="end"/>) of the channels-last kernel.</summary>
    private static void TrilinearChannelsLast(ReadOnlySpan<float> volume, TapPairs<float> z, TapPairs<float> y, TapPairs<float> x, Span<float> destination, int first, int end)
    {
        int width = x.InputLength;
        int inPlane = y.InputLength * width;
        int outWidth = x.OutputLength;
        int outPlane = y.OutputLength * outWidth;
        for (int oz = first; oz < end; oz++)
        {
            ReadOnlySpan<float> slice0 = volume.Slice(z.Low[oz] * inPlane, inPlane);
            ReadOnlySpan<float> slice1 = volume.Slice(z.High[oz] * inPlane, inPlane);
            for (int oy = 0; oy < y.OutputLength; oy++)
            {
                int r0 = y.Low[oy] * width, r1 = y.High[oy] * width;
                ReadOnlySpan<float> row00 = slice0.Slice(r0, width), row01 = slice0.Slice(r1, width);
                ReadOnlySpan<float> row10 = slice1.Slice(r0, width), row11 = slice1.Slice(r1, width);
                float w00 = z.W0[oz] * y.W0[oy], w01 = z.W0[oz] * y.W1[oy];
                float w10 = z.W1[oz] * y.W0[oy], w11 = z.W1[oz] * y.W1[oy];
                Span<float> target = destination.Slice((oz * outPlane) + (oy * outWidth), outWidth);
                for (int ox = 0; ox < outWidth; ox++)
                {
                    int x0 = x.Low[ox], x1 = x.High[ox];
                    float wx0 = x.W0[ox], wx1 = x.W1[ox];
                    double sum = row00[x0] * (double)(w00 * wx0);
                    sum += row00[x1] * (double)(w00 * wx1);
                    sum += row01[x0] * (double)(w01 * wx0);
                    sum += row01[x1] * (double)(w01 * wx1);
                    sum += row10[x0] * (double)(w10 * wx0);
                    sum += row10[x1] * (double)(w10 * wx1);
                    sum += row11[x0] * (double)(w11 * wx0);
                    sum += row11[x1] * (double)(w11 * wx1);
                    target[ox] = (float)sum;
                }
            }
        }
    }

    private static void Swap(ref Span<float> a, ref Span<float> b)
    {
        Span<float> t = a;
        a = b;
        b = t;
    }

    private static void Require(int inputLength, long expectedInput, int destinationLength, long expectedOutput)
    {
        if (inputLength != expectedInput)
        {
            throw new ArgumentException($"the input holds {inputLength} values; the taps need {expectedInput}", "input");
        }

        if (destinationLength != expectedOutput)
        {
            throw new ArgumentException($"the destination holds {destinationLength} values; the taps produce {expectedOutput}", "destination");
        }
    }
}
