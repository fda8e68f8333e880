using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance.Buffers;
using SegEngine.Kernels;

namespace SegEngine.Inference;

internal sealed partial class SlidingWindowPredictor
{
    /// <summary>The buffers and loop of one case. Rents everything once; nothing is allocated per tile.</summary>
    private sealed class CaseRun : IDisposable
    {
        private readonly SlidingWindowGrid grid;
        private readonly VolumeBuffer<float> image;
        private readonly IReadOnlyList<ITileNetwork> folds;
        private readonly Half[] gaussian;
        private readonly Mirror[] passes;
        private readonly int batch;
        private readonly bool batchMirrors;
        private readonly ILogitSlabSink sink;
        private readonly int channels;
        private readonly int headCount;
        private readonly int tileVoxels;
        private readonly int depth;
        private readonly int paddedSlice;
        // One ring per fold and class: a single buffer of K·depth·Y·X values passes .NET's 2^31 array limit at about 85
        // classes on a 512² CT with a 96-slice patch (TotalSegmentator has 118).
        private readonly MemoryOwner<Half>[] logitRings;
        private readonly MemoryOwner<Half> weightRing;
        private readonly MemoryOwner<Half> staging;

        /// <summary>Slices handed to the sink at most at once, so the staging slab of every class stays one .NET array.</summary>
        private readonly int emitSlices;
        private readonly MemoryOwner<Half> quotientRow;
        private readonly MemoryOwner<float> tiles;
        private readonly MemoryOwner<float> predictions;
        private readonly MemoryOwner<float> rowScratch;
        private readonly (int Y, int X)[] rowTiles;

        public CaseRun(
            SlidingWindowGrid grid, VolumeBuffer<float> image, IReadOnlyList<ITileNetwork> folds, Half[] gaussian,
            Mirror[] passes, int batch, bool batchMirrors, ILogitSlabSink sink)
        {
            this.grid = grid;
            this.image = image;
            this.folds = folds;
            this.gaussian = gaussian;
            this.passes = passes;
            this.batch = batch;
            this.batchMirrors = batchMirrors && passes.Length > 1 && folds.All(f => f.DynamicBatch);
            this.sink = sink;
            channels = folds[0].InputChannels;
            headCount = folds[0].HeadCount;
            tileVoxels = (int)grid.Patch.Voxels;
            depth = grid.Patch.Z;
            paddedSlice = grid.Padded.Y * grid.Padded.X;
            if ((long)depth * paddedSlice > int.MaxValue || (long)headCount * grid.Image.Y * grid.Image.X > int.MaxValue)
            {
                throw new SegEngineException(
                    SegErrorCode.Unsupported, $"a {depth}-slice ring of {grid.Padded.Y}x{grid.Padded.X} slices for {headCount} classes exceeds .NET's largest array");
            }

            logitRings = [.. Enumerable.Range(0, folds.Count * headCount).Select(_ => MemoryOwner<Half>.Allocate(depth * paddedSlice, AllocationMode.Clear))];
            emitSlices = (int)Math.Min(depth, int.MaxValue / ((long)headCount * grid.Image.Y * grid.Image.X));
            weightRing = MemoryOwner<Half>.Allocate(depth * paddedSlice, AllocationMode.Clear);
            staging = MemoryOwner<Half>.Allocate(headCount * emitSlices * grid.Image.Y * grid.Image.X);
            quotientRow = MemoryOwner<Half>.Allocate(grid.Padded.X);
            tiles = MemoryOwner<float>.Allocate(batch * channels * tileVoxels);
            predictions = MemoryOwner<float>.Allocate(batch * headCount * tileVoxels);
            rowScratch = MemoryOwner<float>.Allocate(grid.Patch.X);
            rowTiles = grid.Offsets[1].SelectMany(y => grid.Offsets[2].Select(x => (y, x))).ToArray();
        }

        public void Execute(IProgress<double>? progress, CancellationToken cancellationToken)
        {
            sink.Begin(headCount, grid.Image);
            int[] zOffsets = grid.Offsets[0];
            long positions = (long)zOffsets.Length * rowTiles.Length;
            long positionsDone = 0;
            for (int zi = 0; zi < zOffsets.Length; zi++)
            {
                int z = zOffsets[zi];
                for (int start = 0; start < rowTiles.Length; start += batch)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int count = Math.Min(batch, rowTiles.Length - start);
                    for (int t = 0; t < count; t++)
                    {
                        ExtractTile(z, rowTiles[start + t], tiles.Span.Slice(t * channels * tileVoxels, channels * tileVoxels));
                    }

                    for (int f = 0; f < folds.Count; f++)
                    {
                        PredictMirrored(folds[f], count);
                        for (int t = 0; t < count; t++)
                        {
                            AccumulateLogits(f, z, rowTiles[start + t], predictions.Span.Slice(t * headCount * tileVoxels, headCount * tileVoxels));
                        }
                    }

                    for (int t = 0; t < count; t++)
                    {
                        AccumulateWeights(z, rowTiles[start + t]);
                    }

                    positionsDone += count;
                    progress?.Report((double)positionsDone / positions);
                }

                int end = zi + 1 < zOffsets.Length ? zOffsets[zi + 1] : grid.Padded.Z;
                for (int from = z; from < end; from += emitSlices)
                {
                    Emit(from, Math.Min(end, from + emitSlices));
                }
            }

            sink.Complete();
        }

        public void Dispose()
        {
            foreach (MemoryOwner<Half> ring in logitRings)
            {
                ring.Dispose();
            }

            weightRing.Dispose();
            staging.Dispose();
            quotientRow.Dispose();
            tiles.Dispose();
            predictions.Dispose();
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

        /// <summary>fp32 mirror-averaged predictions of the first <paramref name="count"/> tiles for one fold.</summary>
        private void PredictMirrored(ITileNetwork network, int count)
        {
            int inLength = channels * tileVoxels;
            int outLength = headCount * tileVoxels;
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

            if (passes.Length > 1)
            {
                // nnU-Net: prediction /= (len(axes_combinations) + 1), a float32 division.
                TensorPrimitives.Divide(predicted[..(count * outLength)], passes.Length, predicted[..(count * outLength)]);
            }
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

        private void AccumulateLogits(int fold, int z0, (int Y, int X) offset, ReadOnlySpan<float> prediction)
        {
            Shape3 patch = grid.Patch;
            int RingRow(int dz, int dy) => (((z0 + dz) % depth) * paddedSlice) + ((offset.Y + dy) * grid.Padded.X) + offset.X;

            for (int k = 0; k < headCount; k++)
            {
                Span<Half> ring = logitRings[(fold * headCount) + k].Span;
                for (int dz = 0; dz < patch.Z; dz++)
                {
                    for (int dy = 0; dy < patch.Y; dy++)
                    {
                        // Slab rows are a padded width apart, a stride the hardware prefetchers miss; ask for a few rows ahead.
                        int aheadY = dy + PrefetchRowsAhead;
                        int aheadZ = dz + (aheadY / patch.Y);
                        if (aheadZ < patch.Z)
                        {
                            SegKernels.Prefetch<Half>(ring.Slice(RingRow(aheadZ, aheadY % patch.Y), patch.X));
                        }

                        int tileRow = ((dz * patch.Y) + dy) * patch.X;
                        SegKernels.AccumulateWeighted(
                            prediction.Slice((k * tileVoxels) + tileRow, patch.X), gaussian.AsSpan(tileRow, patch.X), ring.Slice(RingRow(dz, dy), patch.X));
                    }
                }
            }
        }

        private void AccumulateWeights(int z0, (int Y, int X) offset)
        {
            Shape3 patch = grid.Patch;
            Span<Half> ring = weightRing.Span;
            for (int dz = 0; dz < patch.Z; dz++)
            {
                int slot = (z0 + dz) % depth;
                for (int dy = 0; dy < patch.Y; dy++)
                {
                    int tileRow = ((dz * patch.Y) + dy) * patch.X;
                    SegKernels.AddHalf(gaussian.AsSpan(tileRow, patch.X), ring.Slice((slot * paddedSlice) + ((offset.Y + dy) * grid.Padded.X) + offset.X, patch.X));
                }
            }
        }

        /// <summary>
        /// Padded slices [<paramref name="from"/>, <paramref name="to"/>) are final: divide every fold (checking the whole
        /// padded slice for infinities, as nnU-Net checks before cropping), crop, sum the folds, divide by their count,
        /// hand the slab to the sink and clear the ring slots for reuse.
        /// </summary>
        private void Emit(int from, int to)
        {
            Shape3 shape = grid.Image;
            Shape3 pad = grid.PadBelow;
            int imageFrom = Math.Max(from, pad.Z) - pad.Z;
            int imageTo = Math.Min(to, pad.Z + shape.Z) - pad.Z;
            int count = Math.Max(0, imageTo - imageFrom);
            int imageSlice = shape.Y * shape.X;
            Span<Half> slab = staging.Span[..(headCount * count * imageSlice)];
            Span<Half> quotient = quotientRow.Span;
            Span<Half> weights = weightRing.Span;

            for (int zp = from; zp < to; zp++)
            {
                int slot = zp % depth;
                int zLocal = zp - pad.Z - imageFrom;
                bool inImage = zLocal >= 0 && zLocal < count;
                for (int f = 0; f < folds.Count; f++)
                {
                    for (int k = 0; k < headCount; k++)
                    {
                        Span<Half> logits = logitRings[(f * headCount) + k].Span;
                        int sliceStart = slot * paddedSlice;
                        for (int yp = 0; yp < grid.Padded.Y; yp++)
                        {
                            int rowStart = yp * grid.Padded.X;
                            SegKernels.DivideHalf(
                                logits.Slice(sliceStart + rowStart, grid.Padded.X), weights.Slice((slot * paddedSlice) + rowStart, grid.Padded.X), quotient);
                            if (SegKernels.IndexOfInfinity(quotient) >= 0)
                            {
                                throw new SegEngineException(
                                    SegErrorCode.Numeric,
                                    $"infinite aggregated logits in fold {f}, class {k}, padded slice {zp}, row {yp}; nnU-Net aborts here too "
                                    + "(its value_scaling_factor 10 can overflow fp16 for very large logits)");
                            }

                            int y = yp - pad.Y;
                            if (!inImage || y < 0 || y >= shape.Y)
                            {
                                continue;
                            }

                            ReadOnlySpan<Half> cropped = quotient.Slice(pad.X, shape.X);
                            Span<Half> target = slab.Slice((((k * count) + zLocal) * imageSlice) + (y * shape.X), shape.X);
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
                }

                foreach (MemoryOwner<Half> ring in logitRings)
                {
                    ring.Span.Slice(slot * paddedSlice, paddedSlice).Clear();
                }

                weights.Slice(slot * paddedSlice, paddedSlice).Clear();
            }

            if (count == 0)
            {
                return;
            }

            if (folds.Count > 1)
            {
                SegKernels.DivideHalf(slab, (Half)folds.Count, slab);
            }

            sink.Accept(imageFrom, count, slab);
        }
    }
}
