using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Buffers;
using SegEngine.Kernels;
using SegEngine.Resampling;

namespace SegEngine.Preprocessing.Resampling;

/// <summary>
/// skimage's <c>resize(image, shape, order, mode='edge', anti_aliasing=False)</c> without the clip, i.e. SciPy's
/// <c>zoom(..., mode='nearest', grid_mode=True)</c>, for 3-D volumes and (planar) 2-D images. The clip and the store
/// are the sink's job.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.5. Orders 0 and 1 read the input directly, one output slice per worker. Order 3 needs the float64
/// spline coefficients of the edge-padded volume, filtered along axis 0, then 1, then 2. They are produced one padded
/// plane at a time, from the top plane down: the axis-0 filter is a forward recursion followed by a backward one, so
/// its forward values are kept only at checkpoint planes (every ⌈√L⌉ planes) and recomputed block by block on the way
/// down. Each finished plane is filtered along y and x and kept, already gathered at the x taps, in a ring of four; an
/// output slice is evaluated as soon as its lowest tap plane is ready. The float64 working set is about
/// 2·√L planes of y·x, not the padded volume.
/// </remarks>
internal static class SplineResizer
{
    private const int ColumnChunk = 4096;

    public static void Resize<TSource, TSink>(TSource source, Shape3 input, Shape3 output, int order, bool planar, TSink sink)
        where TSource : struct, IVoxelSource
        where TSink : struct, IRowSink
    {
        if (planar && (input.Z != 1 || output.Z != 1))
        {
            throw new ArgumentException($"a planar resize needs one slice, got {input} -> {output}", nameof(planar));
        }

        SplineTaps? zTaps = planar ? null : SplineTaps.Create(input.Z, output.Z, order);
        SplineTaps yTaps = SplineTaps.Create(input.Y, output.Y, order);
        SplineTaps xTaps = SplineTaps.Create(input.X, output.X, order);
        if (order == 3)
        {
            new CubicResize<TSource, TSink>(source, input, output, zTaps, yTaps, xTaps, sink).Run();
        }
        else
        {
            ResizeDirect(source, input, output, zTaps, yTaps, xTaps, sink);
        }
    }

    /// <summary>
    /// The bytes of float64 working memory <see cref="Resize"/> holds at its peak: for order 3, the ring of gathered planes,
    /// the y-filtered plane and, for a volume, the checkpoint, block and carry planes (planar: the one input plane); the
    /// direct orders hold one row of taps per worker, counted as nothing.
    /// </summary>
    public static long WorkingBytes(Shape3 input, Shape3 output, int order, bool planar)
    {
        if (order != 3)
        {
            return 0;
        }

        long planeSize = (long)input.Y * input.X;
        long ringAndFiltered = ((planar ? 1 : 4) * GatheredPlaneLength(input, output)) + ((long)PaddedLength(input.Y) * input.X);
        if (planar)
        {
            return (ringAndFiltered + planeSize) * sizeof(double);
        }

        int length = PaddedLength(input.Z);
        int blockLength = BlockLength(length);
        int blocks = (length + blockLength - 1) / blockLength;
        return (ringAndFiltered + ((blocks + blockLength + 1) * planeSize)) * sizeof(double);
    }

    /// <summary>An axis's length with the spline's edge padding on both sides.</summary>
    private static int PaddedLength(int length) => length + (2 * SplineTaps.SplinePadding);

    /// <summary>Elements of one gathered plane: padded y rows × 4 x taps × output x.</summary>
    private static int GatheredPlaneLength(Shape3 input, Shape3 output) => PaddedLength(input.Y) * 4 * output.X;

    /// <summary>Planes between two axis-0 checkpoints: ⌈√L⌉, which keeps checkpoints and the recomputed block equally small.</summary>
    private static int BlockLength(int paddedLength) => (int)Math.Ceiling(Math.Sqrt(paddedLength));

    private static void ResizeDirect<TSource, TSink>(TSource source, Shape3 input, Shape3 output, SplineTaps? zTaps, SplineTaps yTaps, SplineTaps xTaps, TSink sink)
        where TSource : struct, IVoxelSource
        where TSink : struct, IRowSink
    {
        int outX = output.X;
        int tapsX = xTaps.TapCount;
        Parallel.For(
            0,
            output.Z,
            () => MemoryOwner<double>.Allocate((tapsX + 1) * outX),
            (oz, _, scratch) =>
            {
                Span<double> gathered = scratch.Span[..(tapsX * outX)];
                Span<double> sums = scratch.Span.Slice(tapsX * outX, outX);
                Span<double> outer = stackalloc double[2];
                int tapsZ = zTaps?.TapCount ?? 1;
                for (int oy = 0; oy < output.Y; oy++)
                {
                    sums.Clear();
                    for (int a = 0; a < tapsZ; a++)
                    {
                        int iz = zTaps?.Index(oz, a) ?? 0;
                        for (int b = 0; b < yTaps.TapCount; b++)
                        {
                            nint rowBase = ((nint)iz * input.Y + yTaps.Index(oy, b)) * input.X;
                            for (int k = 0; k < gathered.Length; k++)
                            {
                                gathered[k] = source.Read(rowBase + xTaps.IndexByTap[k]);
                            }

                            int outerCount = 0;
                            if (zTaps is not null)
                            {
                                outer[outerCount++] = zTaps.Weight(oz, a);
                            }

                            outer[outerCount++] = yTaps.Weight(oy, b);
                            SegKernels.AccumulateTaps(gathered, xTaps.WeightByTap, outer[..outerCount], sums);
                        }
                    }

                    sink.WriteRow(oz, oy, sums);
                }

                return scratch;
            },
            scratch => scratch.Dispose());
    }

    /// <summary>The streaming order-3 resize; one instance per call.</summary>
    private sealed class CubicResize<TSource, TSink>(TSource source, Shape3 input, Shape3 output, SplineTaps? zTaps, SplineTaps yTaps, SplineTaps xTaps, TSink sink)
        where TSource : struct, IVoxelSource
        where TSink : struct, IRowSink
    {
        private const int Pad = SplineTaps.SplinePadding;
        private readonly int planeSize = input.Y * input.X;
        private readonly int paddedY = PaddedLength(input.Y);
        private readonly int paddedX = PaddedLength(input.X);

        private int GatheredPlaneSize => GatheredPlaneLength(input, output);

        public void Run()
        {
            using var ring = new NativeBuffer<double>((zTaps is null ? 1 : 4) * GatheredPlaneSize);
            using var yFiltered = new NativeBuffer<double>(paddedY * input.X);
            if (zTaps is null)
            {
                using var plane = new NativeBuffer<double>(planeSize);
                source.ReadRun(0, plane.Span);
                FilterAndGatherPlane(plane.Memory, yFiltered.Memory, ring.Memory[..GatheredPlaneSize]);
                EvaluateSlice(0, ring.Memory, -1);
                return;
            }

            RunVolume(ring.Memory, yFiltered.Memory);
        }

        private void RunVolume(Memory<double> ring, Memory<double> yFiltered)
        {
            SplineTaps taps = zTaps!;
            int length = PaddedLength(input.Z);
            int blockLength = BlockLength(length);
            int blocks = (length + blockLength - 1) / blockLength;
            var needed = new bool[length];
            for (int o = 0; o < output.Z; o++)
            {
                for (int a = 0; a < 4; a++)
                {
                    needed[taps.Index(o, a)] = true;
                }
            }

            using var checkpoints = new NativeBuffer<double>(blocks * planeSize);
            using var block = new NativeBuffer<double>(blockLength * planeSize);
            using var carry = new NativeBuffer<double>(planeSize);
            int chunks = (planeSize + ColumnChunk - 1) / ColumnChunk;
            Memory<double> checkpointMemory = checkpoints.Memory;
            Memory<double> blockMemory = block.Memory;
            Memory<double> carryMemory = carry.Memory;

            Parallel.For(0, chunks, chunk => ForwardWithCheckpoints(chunk, length, blockLength, checkpointMemory.Span));

            int nextOutput = output.Z - 1;
            for (int k = blocks - 1; k >= 0; k--)
            {
                int blockStart = k * blockLength;
                int blockEnd = Math.Min(blockStart + blockLength, length);
                Parallel.For(0, chunks, chunk => FilterBlock(chunk, length, k, blockStart, blockEnd, checkpointMemory.Span, blockMemory.Span, carryMemory.Span));
                for (int p = blockEnd - 1; p >= blockStart; p--)
                {
                    if (!needed[p])
                    {
                        continue;
                    }

                    Memory<double> slot = ring.Slice((p & 3) * GatheredPlaneSize, GatheredPlaneSize);
                    FilterAndGatherPlane(blockMemory.Slice((p - blockStart) * planeSize, planeSize), yFiltered, slot);
                    for (; nextOutput >= 0 && taps.Index(nextOutput, 0) == p; nextOutput--)
                    {
                        EvaluateSlice(nextOutput, ring, p);
                    }
                }
            }
        }

        /// <summary>Gained, edge-padded input plane i (padded z index) for this chunk's columns.</summary>
        private void ReadGained(int paddedZ, int columnStart, Span<double> destination)
        {
            int sourceZ = Math.Clamp(paddedZ - Pad, 0, input.Z - 1);
            source.ReadRun((nint)sourceZ * planeSize + columnStart, destination);
            TensorPrimitives.Multiply(destination, SegKernels.CubicGain, destination);
        }

        /// <summary>
        /// Axis-0 causal initialisation and forward recursion for one chunk of columns, every column exactly as
        /// <see cref="SegKernels.CubicSplinePrefilter"/> treats a line; forward values are stored at block starts.
        /// </summary>
        private void ForwardWithCheckpoints(int chunk, int length, int blockLength, Span<double> checkpoints)
        {
            int columnStart = chunk * ColumnChunk;
            int count = Math.Min(ColumnChunk, planeSize - columnStart);
            using MemoryOwner<double> scratch = MemoryOwner<double>.Allocate(4 * count);
            Span<double> first = scratch.Span[..count];
            Span<double> running = scratch.Span.Slice(count, count);
            Span<double> a = scratch.Span.Slice(2 * count, count);
            Span<double> b = scratch.Span.Slice(3 * count, count);

            double z = SegKernels.CubicPole;
            double zn = Math.Pow(z, length);
            ReadGained(0, columnStart, first);
            ReadGained(length - 1, columnStart, b);
            TensorPrimitives.MultiplyAdd(b, zn, first, running);
            double zi = z;
            for (int i = 1; i < length; i++)
            {
                ReadGained(i, columnStart, a);
                if (i < length - 1)
                {
                    ReadGained(length - 1 - i, columnStart, b);
                }
                else
                {
                    // The last term reads c[0] itself, already holding the partial sum (SciPy ≤ 1.17).
                    running.CopyTo(b);
                }

                TensorPrimitives.MultiplyAdd(b, zn, a, b);
                TensorPrimitives.MultiplyAdd(b, zi, running, running);
                zi *= z;
            }

            TensorPrimitives.Multiply(running, z / (1.0 - zn * zn), running);
            TensorPrimitives.Add(running, first, running);
            running.CopyTo(checkpoints.Slice(columnStart, count));
            for (int i = 1; i < length; i++)
            {
                ReadGained(i, columnStart, a);
                TensorPrimitives.MultiplyAdd(running, z, a, running);
                if (i % blockLength == 0)
                {
                    running.CopyTo(checkpoints.Slice((i / blockLength) * planeSize + columnStart, count));
                }
            }
        }

        /// <summary>Recomputes one block's forward values from its checkpoint and runs the backward recursion over it.</summary>
        private void FilterBlock(int chunk, int length, int blockIndex, int blockStart, int blockEnd, Span<double> checkpoints, Span<double> block, Span<double> carry)
        {
            int columnStart = chunk * ColumnChunk;
            int count = Math.Min(ColumnChunk, planeSize - columnStart);
            double z = SegKernels.CubicPole;

            checkpoints.Slice(blockIndex * planeSize + columnStart, count).CopyTo(block.Slice(columnStart, count));
            for (int i = blockStart + 1; i < blockEnd; i++)
            {
                Span<double> plane = block.Slice((i - blockStart) * planeSize + columnStart, count);
                ReadGained(i, columnStart, plane);
                TensorPrimitives.MultiplyAdd(block.Slice((i - 1 - blockStart) * planeSize + columnStart, count), z, plane, plane);
            }

            Span<double> top = block.Slice((blockEnd - 1 - blockStart) * planeSize + columnStart, count);
            Span<double> above = carry.Slice(columnStart, count);
            if (blockEnd == length)
            {
                TensorPrimitives.Multiply(top, SegKernels.CubicAnticausalFactor, top);
            }
            else
            {
                TensorPrimitives.Subtract(above, top, top);
                TensorPrimitives.Multiply(top, z, top);
            }

            for (int i = blockEnd - 2; i >= blockStart; i--)
            {
                Span<double> plane = block.Slice((i - blockStart) * planeSize + columnStart, count);
                TensorPrimitives.Subtract(block.Slice((i + 1 - blockStart) * planeSize + columnStart, count), plane, plane);
                TensorPrimitives.Multiply(plane, z, plane);
            }

            block.Slice(columnStart, count).CopyTo(above);
        }

        /// <summary>
        /// Filters one axis-0-filtered plane along y (all x lanes at once) and x (row by row), then stores each padded
        /// row gathered at the x taps: gathered[(row·4 + c)·outX + ox] = coefficient[row, xIndex(ox, c)].
        /// </summary>
        private void FilterAndGatherPlane(Memory<double> plane, Memory<double> yFiltered, Memory<double> gathered)
        {
            int inY = input.Y;
            int inX = input.X;
            Span<double> yf = yFiltered.Span;
            ReadOnlySpan<double> planeSpan = plane.Span;
            for (int r = 0; r < paddedY; r++)
            {
                planeSpan.Slice(Math.Clamp(r - Pad, 0, inY - 1) * inX, inX).CopyTo(yf.Slice(r * inX, inX));
            }

            const int LaneChunk = 256;
            int laneChunks = (inX + LaneChunk - 1) / LaneChunk;
            Parallel.For(0, laneChunks, chunk =>
            {
                int start = chunk * LaneChunk;
                SegKernels.CubicSplinePrefilterLanes(yFiltered.Span, paddedY, inX, start, Math.Min(LaneChunk, inX - start));
            });

            int firstRow = yTaps.Index(0, 0);
            int lastRow = yTaps.Index(output.Y - 1, 3);
            int outX = output.X;
            const int Lanes = SegKernels.InterleavedLines;
            int groups = (lastRow - firstRow + Lanes) / Lanes;
            Parallel.For(
                0,
                groups,
                () => MemoryOwner<double>.Allocate(paddedX * Lanes),
                (group, _, buffer) =>
                {
                    // Eight padded rows, interleaved so each x line is one vector lane.
                    Span<double> lines = buffer.Span;
                    int rowStart = firstRow + group * Lanes;
                    int rows = Math.Min(Lanes, lastRow + 1 - rowStart);
                    ReadOnlySpan<double> filtered = yFiltered.Span;
                    for (int lane = 0; lane < Lanes; lane++)
                    {
                        ReadOnlySpan<double> row = filtered.Slice((rowStart + Math.Min(lane, rows - 1)) * inX, inX);
                        for (int j = 0; j < paddedX; j++)
                        {
                            lines[j * Lanes + lane] = row[Math.Clamp(j - Pad, 0, inX - 1)];
                        }
                    }

                    SegKernels.CubicSplinePrefilterInterleaved(lines, paddedX);
                    int[] index = xTaps.IndexByTap;
                    for (int lane = 0; lane < rows; lane++)
                    {
                        Span<double> target = gathered.Span.Slice((rowStart + lane) * 4 * outX, 4 * outX);
                        for (int k = 0; k < target.Length; k++)
                        {
                            target[k] = lines[index[k] * Lanes + lane];
                        }
                    }

                    return buffer;
                },
                buffer => buffer.Dispose());
        }

        /// <summary>Evaluates output slice <paramref name="oz"/> from the ring (its tap planes are ready).</summary>
        private void EvaluateSlice(int oz, Memory<double> ring, int lowestPlane)
        {
            int outX = output.X;
            int planeLength = GatheredPlaneSize;
            Parallel.For(
                0,
                output.Y,
                () => MemoryOwner<double>.Allocate(outX),
                (oy, _, sumsOwner) =>
                {
                    Span<double> sums = sumsOwner.Span;
                    sums.Clear();
                    Span<double> outer = stackalloc double[2];
                    ReadOnlySpan<double> all = ring.Span;
                    int tapsZ = zTaps is null ? 1 : 4;
                    for (int a = 0; a < tapsZ; a++)
                    {
                        ReadOnlySpan<double> plane = zTaps is null ? all[..planeLength] : all.Slice(((lowestPlane + a) & 3) * planeLength, planeLength);
                        for (int b = 0; b < 4; b++)
                        {
                            int outerCount = 0;
                            if (zTaps is not null)
                            {
                                outer[outerCount++] = zTaps.Weight(oz, a);
                            }

                            outer[outerCount++] = yTaps.Weight(oy, b);
                            int row = yTaps.Index(oy, b);
                            SegKernels.AccumulateTaps(plane.Slice(row * 4 * outX, 4 * outX), xTaps.WeightByTap, outer[..outerCount], sums);
                        }
                    }

                    sink.WriteRow(oz, oy, sums);
                    return sumsOwner;
                },
                sumsOwner => sumsOwner.Dispose());
        }
    }
}
