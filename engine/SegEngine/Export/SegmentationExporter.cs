using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using SegEngine.Kernels;

namespace SegEngine.Export;

/// <summary>
/// Turns a case's fp16 logits, delivered slab by slab along axis 0, into nnU-Net's label map: order-1 resampling to the
/// cropped original grid, fp16 rounding, argmax (or region thresholds), uncropping and transpose_backward, fused per voxel
/// so that no class is ever materialised at full resolution.
/// </summary>
/// <remarks>
/// Reproduces <c>convert_predicted_logits_to_segmentation_with_correct_shape</c> (<c>inference/export_prediction.py</c>)
/// without <c>--save_probabilities</c>, contract §5 and §5.2. Working memory besides the label map: per input slice a
/// K-independent summary, the cells of the slices in flight, and at most the one or two input slices (all K classes) that
/// the next output slice still needs after a slab has been consumed.
///
/// Why the per-class clip of <c>skimage.transform.resize</c> is not applied (it is a no-op after the fp16 store):
/// let L and U be the smallest and largest of a class's 8 fp16 taps (all finite, |v| ≤ 65504). The float64 sum
/// Σ ((v·w_a)·w_b)·w_c has nonnegative weights whose exact products sum to within 3·2⁻⁵³ of 1, and each of its 3 products
/// and 7 additions errs by at most 2⁻⁵³ relative, so the computed value V lies in [L − e, U + e] with
/// e ≤ 13·2⁻⁵³·65504 &lt; 1e-10. The clip bounds lo ≤ L and hi ≥ U are fp16 values (global or per-slice minima and
/// maxima of fp16 data). The clip changes V only if V &gt; hi, which forces hi = U (two fp16 values closer than 1e-10 are
/// equal; the smallest fp16 spacing is 2⁻²⁴), and then V ∈ (U, U + e] rounds to U in fp16 anyway, as the clipped value
/// does; symmetrically below. So round_fp16(clip(V)) = round_fp16(V) up to the sign of a zero, which no later step can see
/// (argmax and "&gt; 0" compare −0 equal to +0). This holds whatever the clip bounds are, so no whole-volume pass is needed.
///
/// Why a cell may skip the per-class work (the fast path): the same argument gives round_fp16(V_k) ∈ [L_k, U_k] for every
/// class k. If all 8 taps have the same winner j and the smallest of j's tap values is strictly greater than the largest
/// runner-up value over the taps (so L_j &gt; U_k for every k ≠ j), then the output has H_j ≥ L_j &gt; U_k ≥ H_k: j is the
/// strict maximum and the lowest-index tie rule is never consulted. For regions, a head whose taps are all ≥ 2⁻²³ (all
/// ≤ 2⁻²⁴) stays on (off), since no fp16 value lies strictly between the two, so equal on-masks at all taps decide the label.
/// </remarks>
internal sealed unsafe class SegmentationExporter : ILogitSlabSink, IDisposable
{
    /// <summary>A slice summary per input voxel: key (8), best (4), runner-up (4) and label (2).</summary>
    private const int SummaryBytesPerVoxel = 18;

    /// <summary>
    /// The working memory the export will hold for a preprocessed grid, for the memory plan: the summaries of every slice
    /// of a slab of <paramref name="slabSlices"/> plus the two neighbour slices retained with all classes, or of every
    /// slice when the logits come as one volume.
    /// </summary>
    public static long PlannedWorkingBytes(Shape3 preprocessed, int classes, int slabSlices, bool wholeVolume)
    {
        long slice = (long)preprocessed.Y * preprocessed.X;
        long slices = wholeVolume ? preprocessed.Z : Math.Min(preprocessed.Z, slabSlices + 2);
        long retained = wholeVolume ? 0 : 2L * classes * slice * sizeof(ushort);
        return (slices * slice * SummaryBytesPerVoxel) + retained;
    }

    /// <summary>A head is on iff its fp16 logit exceeds 2⁻²⁴: float32 sigmoid(2⁻²⁴) rounds to exactly 0.5 (contract §5.2.4).</summary>
    internal const float RegionThreshold = 5.9604645E-08f;

    private readonly ExportPlan plan;
    private readonly ResamplingGrid grid;
    private readonly int classes;
    private readonly Shape3 input;
    private readonly int plane;
    private readonly long[] outputStride;
    private readonly long outputOrigin;
    private readonly SliceSlot?[] slots;
    private LabelMap? labels;
    private bool begun;
    private bool completed;
    private int received;
    private int nextOutput;
    private long workingBytes;

    // Valid only during one Accept call (the slab is borrowed), cleared before it returns.
    private nint labelAddress;
    private int[]? cells;
    private int firstCell;

    public SegmentationExporter(ExportPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        this.plan = plan;
        grid = ResamplingGrid.For(plan);
        classes = plan.Classes;
        input = plan.PreprocessedShape;
        plane = input.Y * input.X;
        slots = new SliceSlot?[input.Z];

        // Element strides of the original-order label map, per transposed axis: original axis i shows transposed axis tb[i].
        Shape3 original = plan.OriginalShape;
        long[] originalStride = [(long)original.Y * original.X, original.X, 1];
        outputStride = new long[3];
        for (int i = 0; i < 3; i++)
        {
            outputStride[plan.TransposeBackward[i]] = originalStride[i];
        }

        for (int axis = 0; axis < 3; axis++)
        {
            outputOrigin += plan.BoundingBox[axis].Start * outputStride[axis];
        }

        labels = LabelMap.Allocate(original, !plan.LabelsFitInBytes);
    }

    /// <summary>The largest working memory held at once (summaries, cells, retained slices), excluding the label map.</summary>
    internal long PeakWorkingBytes { get; private set; }

    /// <summary>Bytes of retained input slices (K classes each) at the peak; the rest of the working memory does not depend on K.</summary>
    internal long PeakRetainedSliceBytes { get; private set; }

    public void Begin(int classes, Shape3 shape)
    {
        if (begun)
        {
            throw new InvalidOperationException("Begin was already called");
        }

        if (classes != this.classes || shape != input)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"export: the logits are {classes} x {shape}, the export plan expects {this.classes} x {input}");
        }

        begun = true;
    }

    public void Accept(int zStart, int zCount, ReadOnlySpan<Half> logits)
    {
        if (!begun || completed)
        {
            throw new InvalidOperationException("Accept must come after Begin and before Complete");
        }

        if (zStart != received || zCount <= 0 || zStart + zCount > input.Z)
        {
            throw new ArgumentOutOfRangeException(
                nameof(zStart), $"expected the slab starting at slice {received} with 1..{input.Z - received} slices, got [{zStart}, {zStart + zCount})");
        }

        long expected = (long)classes * zCount * plane;
        if (logits.Length != expected)
        {
            throw new ArgumentException($"a slab of {classes} x {zCount} x {input.Y} x {input.X} needs {expected} values, got {logits.Length}", nameof(logits));
        }

        LabelMap map = labels ?? throw new ObjectDisposedException(nameof(SegmentationExporter));
        using var labelPin = map.IsUInt16 ? map.RawWideMemory.Pin() : map.RawMemory.Pin();
        fixed (Half* slab = logits)
        {
            labelAddress = (nint)labelPin.Pointer;
            try
            {
                for (int z = zStart; z < zStart + zCount; z++)
                {
                    slots[z] = new SliceSlot((nint)(slab + ((long)(z - zStart) * plane)), (long)zCount * plane, plane, this);
                }

                Summarize(zStart, zCount);
                received = zStart + zCount;
                EmitReadyOutputs();
                Retain(zStart, zCount);
            }
            finally
            {
                labelAddress = 0;
            }
        }
    }

    public void Complete()
    {
        if (!begun || completed)
        {
            throw new InvalidOperationException("Complete must come once, after Begin");
        }

        if (received != input.Z || nextOutput != grid.Z.OutputLength)
        {
            throw new InvalidOperationException($"Complete after {received} of {input.Z} slices");
        }

        completed = true;
        ReleaseSlots(input.Z);
    }

    /// <summary>Hands the finished label map to the caller, who must dispose it.</summary>
    public LabelMap DetachLabels()
    {
        if (!completed)
        {
            throw new InvalidOperationException("the label map is ready only after Complete");
        }

        LabelMap map = labels ?? throw new InvalidOperationException("the label map was already detached");
        labels = null;
        return map;
    }

    public void Dispose()
    {
        ReleaseSlots(input.Z);
        labels?.Dispose();
        labels = null;
    }

    private void Summarize(int zStart, int zCount)
    {
        int rows = zCount * input.Y;
        int failures = 0;
        Parallel.For(
            0,
            rows,
            () => new float[4 * input.X],
            (row, _, scratch) =>
            {
                SliceSlot slot = slots[zStart + (row / input.Y)]!;
                if (!SummarizeRow(slot, row % input.Y, scratch))
                {
                    Interlocked.Increment(ref failures);
                }

                return scratch;
            },
            _ => { });
        if (failures > 0)
        {
            throw new SegEngineException(
                SegErrorCode.Numeric,
                $"export: the logits of slices [{zStart}, {zStart + zCount}) contain NaN or infinity ({failures} rows); nnU-Net rejects such predictions");
        }
    }

    /// <summary>Per input voxel: the winner, its value and the runner-up (labels) or the on-mask (regions). False if not finite.</summary>
    private bool SummarizeRow(SliceSlot slot, int y, float[] scratch)
    {
        int width = input.X;
        Span<float> values = scratch.AsSpan(0, width);
        Span<float> best = scratch.AsSpan(width, width);
        Span<float> runnerUp = scratch.AsSpan(2 * width, width);
        Span<float> winner = scratch.AsSpan(3 * width, width);
        int offset = y * width;
        Span<ulong> key = slot.Key.AsSpan(offset, width);
        Span<ushort> label = slot.Label.AsSpan(offset, width);
        if (plan.RegionsClassOrder is int[] order)
        {
            key.Clear();
            for (int k = 0; k < classes; k++)
            {
                TensorPrimitives.ConvertToSingle(slot.Row(k, y, width), values);
                if (!float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
                {
                    return false;
                }

                for (int x = 0; x < width && k < 64; x++)
                {
                    key[x] |= values[x] > RegionThreshold ? 1UL << k : 0;
                }
            }

            bool decidable = classes <= 64;
            for (int x = 0; x < width; x++)
            {
                label[x] = key[x] == 0 ? (ushort)0 : (ushort)order[63 - BitOperations.LeadingZeroCount(key[x])];
            }

            slot.Best.AsSpan(offset, width).Fill(decidable ? float.PositiveInfinity : float.NegativeInfinity);
            slot.RunnerUp.AsSpan(offset, width).Fill(decidable ? float.NegativeInfinity : float.PositiveInfinity);
            return true;
        }

        for (int k = 0; k < classes; k++)
        {
            TensorPrimitives.ConvertToSingle(slot.Row(k, y, width), values);
            if (!float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
            {
                return false;
            }

            if (k == 0)
            {
                values.CopyTo(best);
                runnerUp.Fill(float.NegativeInfinity);
                winner.Clear();
            }
            else
            {
                SegKernels.ArgmaxUpdate(values, k, best, runnerUp, winner);
            }
        }

        best.CopyTo(slot.Best.AsSpan(offset, width));
        runnerUp.CopyTo(slot.RunnerUp.AsSpan(offset, width));
        for (int x = 0; x < width; x++)
        {
            label[x] = (ushort)winner[x];
            key[x] = label[x];
        }

        return true;
    }

    private void EmitReadyOutputs()
    {
        AxisTaps tz = grid.Z;
        int end = nextOutput;
        while (end < tz.OutputLength && tz.High[end] < received)
        {
            end++;
        }

        if (end == nextOutput)
        {
            return;
        }

        firstCell = tz.Cell[nextOutput];
        int cellSlices = tz.Cell[end - 1] - firstCell + 1;
        int cellPlane = grid.Y.CellCount * grid.X.CellCount;
        cells = ArrayPool<int>.Shared.Rent(cellSlices * cellPlane);
        Track(cells.Length * (long)sizeof(int));
        try
        {
            Parallel.For(0, cellSlices * grid.Y.CellCount, DecideCellRow);
            int start = nextOutput;
            int height = grid.Y.OutputLength;
            Parallel.For(0, (end - start) * height, row => EmitRow(start + (row / height), row % height));
            nextOutput = end;
        }
        finally
        {
            Track(-cells.Length * (long)sizeof(int));
            ArrayPool<int>.Shared.Return(cells);
            cells = null;
        }
    }

    /// <summary>For one row of cells: the label every output voxel of the cell gets, or −1 if it must be computed.</summary>
    private void DecideCellRow(int row)
    {
        int cy = row % grid.Y.CellCount;
        int cz = firstCell + (row / grid.Y.CellCount);
        AxisTaps tz = grid.Z;
        AxisTaps ty = grid.Y;
        AxisTaps tx = grid.X;
        SliceSlot s0 = slots[tz.CellLow[cz]]!;
        SliceSlot s1 = slots[tz.CellHigh[cz]]!;
        int y0 = ty.CellLow[cy] * input.X;
        int y1 = ty.CellHigh[cy] * input.X;
        Span<int> decided = cells.AsSpan(row * tx.CellCount, tx.CellCount);
        for (int cx = 0; cx < tx.CellCount; cx++)
        {
            int x0 = tx.CellLow[cx];
            int x1 = tx.CellHigh[cx];
            int first = y0 + x0;
            ulong key = s0.Key[first];
            float lowest = float.PositiveInfinity;
            float highestRunnerUp = float.NegativeInfinity;
            bool same = true;
            foreach (SliceSlot s in (ReadOnlySpan<SliceSlot>)[s0, s1])
            {
                foreach (int index in (ReadOnlySpan<int>)[y0 + x0, y0 + x1, y1 + x0, y1 + x1])
                {
                    same &= s.Key[index] == key;
                    lowest = Math.Min(lowest, s.Best[index]);
                    highestRunnerUp = Math.Max(highestRunnerUp, s.RunnerUp[index]);
                }
            }

            decided[cx] = same && lowest > highestRunnerUp ? s0.Label[first] : -1;
        }
    }

    private void EmitRow(int oz, int oy)
    {
        AxisTaps tx = grid.X;
        int cellRow = ((((grid.Z.Cell[oz] - firstCell) * grid.Y.CellCount) + grid.Y.Cell[oy]) * tx.CellCount);
        int[] decided = cells!;
        long offset = outputOrigin + (oz * outputStride[0]) + (oy * outputStride[1]);
        long step = outputStride[2];
        bool wide = labels!.IsUInt16;
        for (int ox = 0; ox < tx.OutputLength; ox++, offset += step)
        {
            int label = decided[cellRow + tx.Cell[ox]];
            if (label < 0)
            {
                label = ComputeVoxel(oz, oy, ox);
            }

            if (wide)
            {
                ((ushort*)labelAddress)[offset] = (ushort)label;
            }
            else
            {
                ((byte*)labelAddress)[offset] = (byte)label;
            }
        }
    }

    /// <summary>
    /// The full per-class work for one output voxel: for each class the §3.5 order-1 sum in float64 (taps lexicographic,
    /// last axis fastest, t += ((v·w_z)·w_y)·w_x), stored to fp16 with NumPy's direct double→half rounding, then the
    /// argmax (ties to the lowest class) or the region thresholds with later heads winning.
    /// </summary>
    private int ComputeVoxel(int oz, int oy, int ox)
    {
        AxisTaps tz = grid.Z;
        AxisTaps ty = grid.Y;
        AxisTaps tx = grid.X;
        SliceSlot s0 = slots[tz.Low[oz]]!;
        SliceSlot s1 = slots[tz.High[oz]]!;
        double wz0 = tz.W0[oz], wz1 = tz.W1[oz], wy0 = ty.W0[oy], wy1 = ty.W1[oy], wx0 = tx.W0[ox], wx1 = tx.W1[ox];
        int y0 = ty.Low[oy] * input.X, y1 = ty.High[oy] * input.X, x0 = tx.Low[ox], x1 = tx.High[ox];
        int[]? order = plan.RegionsClassOrder;
        int result = 0;
        float best = float.NegativeInfinity;
        for (int k = 0; k < classes; k++)
        {
            Half* a = s0.Class(k);
            Half* b = s1.Class(k);
            double t = 0.0;
            t += (((double)a[y0 + x0] * wz0) * wy0) * wx0;
            t += (((double)a[y0 + x1] * wz0) * wy0) * wx1;
            t += (((double)a[y1 + x0] * wz0) * wy1) * wx0;
            t += (((double)a[y1 + x1] * wz0) * wy1) * wx1;
            t += (((double)b[y0 + x0] * wz1) * wy0) * wx0;
            t += (((double)b[y0 + x1] * wz1) * wy0) * wx1;
            t += (((double)b[y1 + x0] * wz1) * wy1) * wx0;
            t += (((double)b[y1 + x1] * wz1) * wy1) * wx1;
            float value = (float)(Half)t;
            if (order is not null)
            {
                if (value > RegionThreshold)
                {
                    result = order[k];
                }
            }
            else if (value > best)
            {
                best = value;
                result = k;
            }
        }

        return result;
    }

    /// <summary>Keeps (copies) the slab's slices that later output slices still need and frees everything older.</summary>
    private void Retain(int zStart, int zCount)
    {
        int keepFrom = nextOutput < grid.Z.OutputLength ? grid.Z.Low[nextOutput] : input.Z;
        ReleaseSlots(Math.Min(keepFrom, zStart + zCount));
        for (int z = Math.Max(keepFrom, zStart); z < zStart + zCount; z++)
        {
            slots[z]!.CopyLogits(classes);
        }

        PeakRetainedSliceBytes = Math.Max(PeakRetainedSliceBytes, RetainedBytes());
    }

    private long RetainedBytes()
    {
        long total = 0;
        foreach (SliceSlot? slot in slots)
        {
            total += slot?.CopyBytes ?? 0;
        }

        return total;
    }

    private void ReleaseSlots(int below)
    {
        for (int z = 0; z < below; z++)
        {
            slots[z]?.Release();
            slots[z] = null;
        }
    }

    private void Track(long bytes)
    {
        workingBytes += bytes;
        if (workingBytes > PeakWorkingBytes)
        {
            PeakWorkingBytes = workingBytes;
        }
    }

    /// <summary>One input slice: where its K class planes are, and its per-voxel summary (pooled).</summary>
    private sealed class SliceSlot
    {
        private readonly SegmentationExporter owner;
        private readonly int plane;
        private nint logits;
        private long classStride;
        private nint copy;

        public SliceSlot(nint logits, long classStride, int plane, SegmentationExporter owner)
        {
            this.logits = logits;
            this.classStride = classStride;
            this.plane = plane;
            this.owner = owner;
            Key = ArrayPool<ulong>.Shared.Rent(plane);
            Best = ArrayPool<float>.Shared.Rent(plane);
            RunnerUp = ArrayPool<float>.Shared.Rent(plane);
            Label = ArrayPool<ushort>.Shared.Rent(plane);
            owner.Track(SummaryBytes);
        }

        public ulong[] Key { get; }

        public float[] Best { get; }

        public float[] RunnerUp { get; }

        public ushort[] Label { get; }

        public long CopyBytes { get; private set; }

        private long SummaryBytes => (Key.Length * 8L) + (Best.Length * 4L) + (RunnerUp.Length * 4L) + (Label.Length * 2L);

        public Half* Class(int k) => (Half*)logits + (k * classStride);

        public ReadOnlySpan<Half> Row(int k, int y, int width) => new(Class(k) + ((long)y * width), width);

        /// <summary>Moves the class planes out of the borrowed slab into memory this slot owns.</summary>
        public void CopyLogits(int classes)
        {
            CopyBytes = (long)classes * plane * sizeof(Half);
            Half* own = (Half*)NativeMemory.Alloc((nuint)CopyBytes);
            for (int k = 0; k < classes; k++)
            {
                new ReadOnlySpan<Half>(Class(k), plane).CopyTo(new Span<Half>(own + ((long)k * plane), plane));
            }

            copy = (nint)own;
            logits = copy;
            classStride = plane;
            owner.Track(CopyBytes);
        }

        public void Release()
        {
            if (copy != 0)
            {
                NativeMemory.Free((void*)copy);
                owner.Track(-CopyBytes);
                copy = 0;
                CopyBytes = 0;
            }

            logits = 0;
            owner.Track(-SummaryBytes);
            ArrayPool<ulong>.Shared.Return(Key);
            ArrayPool<float>.Shared.Return(Best);
            ArrayPool<float>.Shared.Return(RunnerUp);
            ArrayPool<ushort>.Shared.Return(Label);
        }
    }
}
