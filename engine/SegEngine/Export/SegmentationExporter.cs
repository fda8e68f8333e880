using System.Buffers;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// Turns a case's fp16 logits, delivered slab by slab along axis 0, into nnU-Net's label map: order-1 resampling to the
/// cropped original grid, fp16 rounding, argmax (or region thresholds), uncropping and transpose_backward, fused per voxel
/// so that no class is ever materialised at full resolution.
/// </summary>
/// <remarks>
/// Reproduces <c>convert_predicted_logits_to_segmentation_with_correct_shape</c> (<c>inference/export_prediction.py</c>)
/// without <c>--save_probabilities</c>, nnunet-parity.md §5 and §5.2. Per slab: summarise the new slices
/// (<see cref="SliceSummarizer"/>), emit every output slice whose taps have all arrived, deciding whole cells from the
/// summaries (<see cref="CellFastPath"/>) and the rest voxel by voxel (<see cref="ExactVoxel"/>), then keep only what
/// later output slices need (<see cref="SliceWindow"/>). Why this equals materialising every class:
/// docs/fused-export.md.
/// </remarks>
internal sealed class SegmentationExporter : ILogitSlabSink, IDisposable
{
    private readonly ExportPlan plan;
    private readonly ResamplingGrid grid;
    private readonly AxisCells cellsZ;
    private readonly AxisCells cellsY;
    private readonly AxisCells cellsX;
    private readonly int classes;
    private readonly Shape3 input;
    private readonly int plane;
    private readonly LabelMapPlacement placement;
    private readonly WorkingMemory memory = new();
    private readonly SliceWindow window;
    private readonly SliceSummarizer summarizer;
    private readonly TorchLayout? torch;
    private LabelMap? labels;
    private bool begun;
    private bool completed;
    private int received;
    private int nextOutput;

    public SegmentationExporter(ExportPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        this.plan = plan;
        grid = plan.CreateResamplingGrid();
        cellsZ = new AxisCells(grid.Z);
        cellsY = new AxisCells(grid.Y);
        cellsX = new AxisCells(grid.X);
        classes = plan.HeadCount;
        input = plan.PreprocessedShape;
        plane = input.Y * input.X;
        placement = new LabelMapPlacement(plan);
        window = new SliceWindow(input, classes, memory);
        summarizer = new SliceSummarizer(classes, plan.RegionsClassOrder, input);
        labels = LabelMap.Allocate(plan.OriginalShape, !plan.LabelsFitInBytes);
        torch = grid.Torch;
    }

    /// <summary>The largest working memory held at once (summaries, cells, retained slices), excluding the label map.</summary>
    internal long PeakWorkingBytes => memory.Peak;

    /// <summary>Bytes of retained input slices (K classes each) at the peak; the rest of the working memory does not depend on K.</summary>
    internal long PeakRetainedSliceBytes => window.PeakRetainedBytes;

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
        return (slices * SliceSummary.RentedBytes(preprocessed.Y * preprocessed.X)) + retained;
    }

    public void Begin(int headCount, Shape3 shape)
    {
        if (begun)
        {
            throw new InvalidOperationException("Begin was already called");
        }

        if (headCount != classes || shape != input)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"export: the logits are {headCount} x {shape}, the export plan expects {classes} x {input}");
        }

        begun = true;
    }

    public void Accept(LogitSlab slab)
    {
        if (!begun || completed)
        {
            throw new InvalidOperationException("Accept must come after Begin and before Complete");
        }

        (int zStart, int zCount) = (slab.ZStart, slab.ZCount);
        if (zStart != received || zCount <= 0 || zStart + zCount > input.Z)
        {
            throw new ArgumentOutOfRangeException(
                nameof(slab), $"expected the slab starting at slice {received} with 1..{input.Z - received} slices, got [{zStart}, {zStart + zCount})");
        }

        long expected = (long)classes * zCount * plane;
        if (slab.ContiguousLength >= 0 && slab.ContiguousLength != expected)
        {
            throw new ArgumentException($"a slab of {classes} x {zCount} x {input.Y} x {input.X} needs {expected} values, got {slab.ContiguousLength}", nameof(slab));
        }

        LabelMap map = labels ?? throw new ObjectDisposedException(nameof(SegmentationExporter));
        var planes = new InputPlanes(slab, plane, window);
        for (int z = zStart; z < zStart + zCount; z++)
        {
            window.Open(z);
        }

        summarizer.Summarize(planes, window, zStart, zCount);
        received = zStart + zCount;
        EmitReadyOutputs(planes, map);
        int keepFrom = nextOutput < grid.Z.OutputLength ? grid.Z.Low[nextOutput] : input.Z;
        window.Retain(planes, keepFrom, zStart, zCount);
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
        window.ReleaseBelow(input.Z);
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
        window.Dispose();
        labels?.Dispose();
        labels = null;
    }

    /// <summary>Emits every output slice whose high z tap has arrived: first its cells, then its voxels.</summary>
    private void EmitReadyOutputs(InputPlanes planes, LabelMap map)
    {
        TapPairs<double> tz = grid.Z;
        int start = nextOutput;
        int end = start;
        while (end < tz.OutputLength && tz.High[end] < received)
        {
            end++;
        }

        if (end == start)
        {
            return;
        }

        int firstCell = cellsZ.OfOutput[start];
        int cellSlices = cellsZ.OfOutput[end - 1] - firstCell + 1;
        int[] decided = ArrayPool<int>.Shared.Rent(cellSlices * cellsY.Count * cellsX.Count);
        memory.Add(decided.Length * (long)sizeof(int));
        try
        {
            Parallel.For(0, cellSlices * cellsY.Count, row => DecideCellRow(firstCell, row, decided));
            int height = grid.Y.OutputLength;
            Parallel.For(0, (end - start) * height, row => EmitRow(start + (row / height), row % height, firstCell, decided, planes, map));
            nextOutput = end;
        }
        finally
        {
            memory.Add(-decided.Length * (long)sizeof(int));
            ArrayPool<int>.Shared.Return(decided);
        }
    }

    /// <summary>Row <paramref name="row"/> of the cells from z cell <paramref name="firstCell"/> on (z, then y).</summary>
    private void DecideCellRow(int firstCell, int row, int[] decided)
    {
        int cz = firstCell + (row / cellsY.Count);
        int cy = row % cellsY.Count;
        CellFastPath.DecideRow(
            window.Summary(cellsZ.Low[cz]),
            window.Summary(cellsZ.High[cz]),
            cellsY.Low[cy] * input.X,
            cellsY.High[cy] * input.X,
            input.X,
            cellsX,
            decided.AsSpan(row * cellsX.Count, cellsX.Count));
    }

    private void EmitRow(int oz, int oy, int firstCell, int[] decided, InputPlanes planes, LabelMap map)
    {
        int cellRow = (((cellsZ.OfOutput[oz] - firstCell) * cellsY.Count) + cellsY.OfOutput[oy]) * cellsX.Count;
        int width = grid.X.OutputLength;
        int[] rented = ArrayPool<int>.Shared.Rent(width);
        Span<int> row = rented.AsSpan(0, width);
        for (int ox = 0; ox < width; ox++)
        {
            row[ox] = decided[cellRow + cellsX.OfOutput[ox]];
        }

        if (torch is TorchLayout layout)
        {
            // Torch's float32 interpolation has its own arithmetic (TorchStencil): its undecided voxels go one at a time.
            for (int ox = 0; ox < width; ox++)
            {
                if (row[ox] == CellFastPath.Undecided)
                {
                    row[ox] = TorchExactVoxel.Label(grid, layout, oz, oy, ox, planes, classes, plan.RegionsClassOrder);
                }
            }
        }
        else
        {
            ExactVoxel.LabelRow(grid, grid.StencilAt(oz, oy), planes, classes, plan.RegionsClassOrder, row);
        }

        long offset = placement.RowStart(oz, oy);
        long step = placement.Step;
        if (map.IsUInt16)
        {
            Span<ushort> words = map.UInt16;
            for (int ox = 0; ox < width; ox++, offset += step)
            {
                words[(int)offset] = (ushort)row[ox];
            }
        }
        else
        {
            Span<byte> bytes = map.Bytes;
            for (int ox = 0; ox < width; ox++, offset += step)
            {
                bytes[(int)offset] = (byte)row[ox];
            }
        }

        ArrayPool<int>.Shared.Return(rented);
    }
}
