using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Kernels;

namespace SegEngine.Inference;

internal sealed partial class SlidingWindowPredictor
{
    /// <summary>
    /// The buffers and loop of one case. Rents everything once; per tile only the work split over the cores is scheduled.
    /// </summary>
    /// <remarks>
    /// Tile rows run z outermost, as nnU-Net's do, so once row i is done the padded slices [z_i, z_{i+1}) are final: they
    /// are divided, cropped and fold-averaged in place in the <see cref="SliceAccumulator"/> and handed to the sink from
    /// there, then their chunks are reused. With no mirroring the network's output is aggregated where ORT wrote it.
    /// </remarks>
    private sealed class CaseRun : IDisposable
    {
        private readonly SlidingWindowGrid grid;
        private readonly VolumeBuffer<float> image;
        private readonly IReadOnlyList<ITileNetwork> folds;
        private readonly Half[] gaussian;
        private readonly Mirror[] passes;
        private readonly int batch;
        private readonly bool batchMirrors;
        private readonly LogitHandOver handOver;
        private readonly ILogitSlabSink sink;
        private readonly int channels;
        private readonly int headCount;
        private readonly int tileVoxels;
        private readonly int depth;
        private readonly int weightPlane;
        private readonly SliceAccumulator accumulator;
        private readonly MemoryOwner<float> tiles;

        // The fp32 mirror average; without mirroring the network's own output is read instead.
        private readonly MemoryOwner<float>? predictions;
        private readonly MemoryOwner<float> rowScratch;
        private readonly (int Y, int X)[] rowTiles;
        private readonly nint[] finishedSlices;
        private readonly int[] failedRows;
        private readonly TileAggregation aggregation;
        private readonly Action<int> finishClass;

        // The slice and padded rows the parallel finish works on.
        private int finishSlice;
        private int finishRowFrom;
        private int finishRowTo;

        public CaseRun(
            SlidingWindowGrid grid, VolumeBuffer<float> image, IReadOnlyList<ITileNetwork> folds, Half[] gaussian,
            Mirror[] passes, int batch, bool batchMirrors, LogitHandOver handOver, ILogitSlabSink sink)
        {
            this.grid = grid;
            this.image = image;
            this.folds = folds;
            this.gaussian = gaussian;
            this.passes = passes;
            this.batch = batch;
            this.batchMirrors = batchMirrors && passes.Length > 1 && folds.All(f => f.DynamicBatch);
            this.handOver = handOver;
            this.sink = sink;
            channels = folds[0].InputChannels;
            headCount = folds[0].HeadCount;
            tileVoxels = (int)grid.Patch.Voxels;
            depth = grid.Patch.Z;
            weightPlane = folds.Count * headCount;
            accumulator = new SliceAccumulator(grid.Padded.Z, weightPlane + 1, grid.Padded.Y, grid.Padded.X);
            tiles = MemoryOwner<float>.Allocate(batch * channels * tileVoxels);
            predictions = passes.Length > 1 ? MemoryOwner<float>.Allocate(batch * headCount * tileVoxels) : null;
            rowScratch = MemoryOwner<float>.Allocate(grid.Patch.X);
            rowTiles = grid.Offsets[1].SelectMany(y => grid.Offsets[2].Select(x => (y, x))).ToArray();
            finishedSlices = new nint[Math.Max(handOver.SlabSlices, handOver.BandSlices)];
            failedRows = new int[weightPlane];
            aggregation = new TileAggregation(accumulator, gaussian, grid.Patch, headCount, weightPlane);
            finishClass = FinishClass;
        }

        public void Execute(IProgress<double>? progress, CancellationToken cancellationToken)
        {
            sink.Begin(headCount, grid.Image);
            int[] zOffsets = grid.Offsets[0];
            int bandWidth = grid.Offsets[2].Length;
            long positions = (long)zOffsets.Length * rowTiles.Length;
            long positionsDone = 0;
            for (int zi = 0; zi < zOffsets.Length; zi++)
            {
                int z = zOffsets[zi];
                int finishedTo = grid.FinishedBelow(zi);
                int bandedTo = handOver.BandedBelow(grid, zi);
                for (int start = 0; start < rowTiles.Length; start += batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int count = Math.Min(batch, rowTiles.Length - start);
                    for (int t = 0; t < count; t++)
                    {
                        accumulator.Hold(z, z + depth, rowTiles[start + t].Y, rowTiles[start + t].Y + grid.Patch.Y);
                        ExtractTile(z, rowTiles[start + t], tiles.Span.Slice(t * channels * tileVoxels, channels * tileVoxels));
                    }

                    for (int f = 0; f < folds.Count; f++)
                    {
                        ReadOnlySpan<float> predicted = PredictMirrored(folds[f], count);
                        for (int t = 0; t < count; t++)
                        {
                            Accumulate(f, z, rowTiles[start + t], predicted.Slice(t * headCount * tileVoxels, headCount * tileVoxels));
                        }
                    }

                    // A band is final once the last tile of its y offset is in: the row's later tiles start at larger offsets.
                    for (int band = start / bandWidth; band < (start + count) / bandWidth && bandedTo > z; band++)
                    {
                        EmitBand(z, bandedTo, band);
                    }

                    positionsDone += count;
                    progress?.Report((double)positionsDone / positions);
                }

                Emit(bandedTo, finishedTo);
            }

            sink.Complete();
        }

        public void Dispose()
        {
            accumulator.Dispose();
            tiles.Dispose();
            predictions?.Dispose();
            rowScratch.Dispose();
        }

        /// <summary>Copies the tile at padded offsets out of the unpadded image; voxels in the padding are 0 (nnunet-parity.md §4.1).</summary>
        private void ExtractTile(int z0, (int Y, int X) offset, Span<float> tile)
        {
            Shape3 patch = grid.Patch;
            Shape3 shape = grid.Image;
            Shape3 pad = grid.PadBelow;
            int xStart = Math.Max(0, pad.X - offset.X);
            int xEnd = Math.Min(patch.X, pad.X + shape.X - offset.X);
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<float> source = image.Channel(c);
                for (int dz = 0; dz < patch.Z; dz++)
                {
                    int z = z0 + dz - pad.Z;
                    for (int dy = 0; dy < patch.Y; dy++)
                    {
                        int y = offset.Y + dy - pad.Y;
                        Span<float> row = tile.Slice((((c * patch.Z) + dz) * patch.Y + dy) * patch.X, patch.X);
                        if (z < 0 || z >= shape.Z || y < 0 || y >= shape.Y || xStart >= xEnd)
                        {
                            row.Clear();
                            continue;
                        }

                        row[..xStart].Clear();
                        row[xEnd..].Clear();
                        int sourceX = offset.X + xStart - pad.X;
                        source.Slice(((z * shape.Y) + y) * shape.X + sourceX, xEnd - xStart).CopyTo(row[xStart..xEnd]);
                    }
                }
            }
        }

        /// <summary>
        /// The fp32 mirror-averaged predictions of the first <paramref name="count"/> tiles for one fold: without mirroring
        /// the network's output itself, borrowed until its next run.
        /// </summary>
        private ReadOnlySpan<float> PredictMirrored(ITileNetwork network, int count)
        {
            int inLength = channels * tileVoxels;
            int outLength = headCount * tileVoxels;
            if (predictions is null)
            {
                Span<float> input = network.InputBuffer(count);
                tiles.Span[..(count * inLength)].CopyTo(input);
                return network.Run(count)[..(count * outLength)];
            }

            Span<float> predicted = predictions.Span;
            if (batchMirrors)
            {
                Span<float> input = network.InputBuffer(count * passes.Length);
                for (int t = 0; t < count; t++)
                {
                    for (int m = 0; m < passes.Length; m++)
                    {
                        MirrorCombinations.CopyFlipped(
                            tiles.Span.Slice(t * inLength, inLength), input.Slice(((t * passes.Length) + m) * inLength, inLength), channels, grid.Patch, passes[m]);
                    }
                }

                ReadOnlySpan<float> output = network.Run(count * passes.Length);
                for (int t = 0; t < count; t++)
                {
                    for (int m = 0; m < passes.Length; m++)
                    {
                        CombinePass(output.Slice(((t * passes.Length) + m) * outLength, outLength), predicted.Slice(t * outLength, outLength), m);
                    }
                }
            }
            else
            {
                for (int m = 0; m < passes.Length; m++)
                {
                    Span<float> input = network.InputBuffer(count);
                    for (int t = 0; t < count; t++)
                    {
                        MirrorCombinations.CopyFlipped(tiles.Span.Slice(t * inLength, inLength), input.Slice(t * inLength, inLength), channels, grid.Patch, passes[m]);
                    }

                    ReadOnlySpan<float> output = network.Run(count);
                    for (int t = 0; t < count; t++)
                    {
                        CombinePass(output.Slice(t * outLength, outLength), predicted.Slice(t * outLength, outLength), m);
                    }
                }
            }

            // nnU-Net: prediction /= (len(axes_combinations) + 1), a float32 division.
            TensorPrimitives.Divide(predicted[..(count * outLength)], passes.Length, predicted[..(count * outLength)]);
            return predicted[..(count * outLength)];
        }

        /// <summary>Pass 0 sets the prediction; later passes add their output flipped back, in pass order.</summary>
        private void CombinePass(ReadOnlySpan<float> output, Span<float> prediction, int pass)
        {
            if (pass == 0)
            {
                output.CopyTo(prediction);
            }
            else
            {
                MirrorCombinations.AddFlipped(output, prediction, headCount, grid.Patch, passes[pass], rowScratch.Span);
            }
        }

        /// <summary>Adds one fold's tile into the held slices, and with the last fold the Gaussian into the weights.</summary>
        private void Accumulate(int fold, int z0, (int Y, int X) offset, ReadOnlySpan<float> prediction) =>
            aggregation.Add(fold * headCount, z0, offset.Y, offset.X, prediction, withWeights: fold == folds.Count - 1);

        /// <summary>
        /// Padded slices [<paramref name="from"/>, <paramref name="to"/>) are final: <see cref="LogitHandOver.SlabSlices"/> at a
        /// time, finish each in place (<see cref="FinishClass"/>), hand those inside the image to the sink straight from the
        /// accumulator's chunks, and release them.
        /// </summary>
        private void Emit(int from, int to)
        {
            for (int start = from; start < to; start += handOver.SlabSlices)
            {
                int end = Math.Min(start + handOver.SlabSlices, to);
                for (int zp = start; zp < end; zp++)
                {
                    Finish(zp, 0, grid.Padded.Y);
                }

                HandOver(start, end, 0, grid.Padded.Y);
                for (int zp = start; zp < end; zp++)
                {
                    accumulator.Release(zp);
                }
            }
        }

        /// <summary>
        /// Band <paramref name="band"/> (the padded rows from its y offset to the next) of slices [<paramref name="from"/>,
        /// <paramref name="to"/>) is final: finish it in place, hand it to the sink, then release the chunks that neither
        /// the finishing of later bands nor the sink will read again; after the last band, release the rest.
        /// </summary>
        private void EmitBand(int from, int to, int band)
        {
            int[] bands = grid.Offsets[1];
            bool last = band + 1 == bands.Length;
            int rowFrom = bands[band];
            int rowTo = last ? grid.Padded.Y : bands[band + 1];
            if (rowTo > rowFrom)
            {
                for (int zp = from; zp < to; zp++)
                {
                    Finish(zp, rowFrom, rowTo);
                }

                HandOver(from, to, rowFrom, rowTo);
            }

            for (int zp = from; zp < to; zp++)
            {
                if (last)
                {
                    accumulator.Release(zp);
                }
                else
                {
                    // The sink may read the band's last row with the next band: padded row rowTo - 1 holds its image row.
                    accumulator.ReleaseBelow(zp, rowTo - 1);
                }
            }
        }

        /// <summary>
        /// Hands padded slices [<paramref name="from"/>, <paramref name="to"/>), padded rows [<paramref name="rowFrom"/>,
        /// <paramref name="rowTo"/>), to the sink: the part inside the image, if any.
        /// </summary>
        private void HandOver(int from, int to, int rowFrom, int rowTo)
        {
            Shape3 pad = grid.PadBelow;
            int imageFrom = Math.Max(from, pad.Z) - pad.Z;
            int imageTo = Math.Min(to, pad.Z + grid.Image.Z) - pad.Z;
            int imageRowFrom = grid.ImageRow(rowFrom);
            int imageRowTo = grid.ImageRow(rowTo);
            if (imageTo <= imageFrom || imageRowTo <= imageRowFrom)
            {
                return;
            }

            for (int z = imageFrom; z < imageTo; z++)
            {
                finishedSlices[z - imageFrom] = accumulator.ChunkTable(z + pad.Z);
            }

            sink.Accept(LogitSlab.InChunks(
                imageFrom, imageTo - imageFrom, finishedSlices, SliceAccumulator.ChunkRowsShift, accumulator.PlaneStride, grid.Padded.X, pad.Y, imageRowFrom, imageRowTo));
        }

        /// <summary>
        /// Finishes padded rows [<paramref name="rowFrom"/>, <paramref name="rowTo"/>) of padded slice <paramref name="zp"/>,
        /// classes in parallel, and reports the first infinity as nnU-Net's order would meet it.
        /// </summary>
        private void Finish(int zp, int rowFrom, int rowTo)
        {
            failedRows.AsSpan().Fill(-1);
            (finishSlice, finishRowFrom, finishRowTo) = (zp, rowFrom, rowTo);
            Parallel.For(0, headCount, finishClass);
            for (int f = 0; f < folds.Count; f++)
            {
                for (int k = 0; k < headCount; k++)
                {
                    if (failedRows[(f * headCount) + k] is int row and >= 0)
                    {
                        throw new SegEngineException(
                            SegErrorCode.Numeric,
                            $"infinite aggregated logits in fold {f}, class {k}, padded slice {zp}, row {row}; nnU-Net aborts here too "
                            + "(its value_scaling_factor 10 can overflow fp16 for very large logits)");
                    }
                }
            }
        }

        /// <summary>
        /// Class <paramref name="k"/> of the rows being finished (<see cref="finishSlice"/>, <see cref="finishRowFrom"/> to
        /// <see cref="finishRowTo"/>): every fold divided by the weights row by row (each whole padded row checked for
        /// infinities, as nnU-Net checks before cropping), cropped to the image's X at the start of fold 0's row, later
        /// folds added in order and the sum divided by their count.
        /// </summary>
        private void FinishClass(int k)
        {
            (int zp, int rowFrom, int rowTo) = (finishSlice, finishRowFrom, finishRowTo);
            Shape3 shape = grid.Image;
            Shape3 pad = grid.PadBelow;
            bool inImage = zp >= pad.Z && zp < pad.Z + shape.Z;
            for (int f = 0; f < folds.Count; f++)
            {
                for (int yp = rowFrom; yp < rowTo; yp++)
                {
                    Span<Half> row = accumulator.Row(zp, (f * headCount) + k, yp);
                    SegKernels.DivideHalf(row, accumulator.Row(zp, weightPlane, yp), row);
                    if (SegKernels.IndexOfInfinity(row) >= 0)
                    {
                        failedRows[(f * headCount) + k] = yp;
                        return;
                    }

                    int y = yp - pad.Y;
                    if (!inImage || y < 0 || y >= shape.Y)
                    {
                        continue;
                    }

                    // Within one row the crop moves values down: CopyTo copies overlapping spans as memmove does.
                    ReadOnlySpan<Half> cropped = row.Slice(pad.X, shape.X);
                    Span<Half> target = accumulator.Row(zp, k, yp)[..shape.X];
                    if (f == 0)
                    {
                        cropped.CopyTo(target);
                    }
                    else
                    {
                        SegKernels.AddHalf(cropped, target);
                    }
                }
            }

            if (inImage && folds.Count > 1)
            {
                for (int y = grid.ImageRow(rowFrom); y < grid.ImageRow(rowTo); y++)
                {
                    Span<Half> sum = accumulator.Row(zp, k, y + pad.Y)[..shape.X];
                    SegKernels.DivideHalf(sum, (Half)folds.Count, sum);
                }
            }
        }
    }
}
