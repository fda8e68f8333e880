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
/// without <c>--save_probabilities</c>, nnunet-parity.md §5 and §5.2. Per slab (whole slices, or a band of their rows):
/// summarise the new rows (<see cref="SliceSummarizer"/>), emit every output row whose taps have all arrived, deciding
/// whole cells from the summaries (<see cref="CellFastPath"/>) and the rest voxel by voxel (<see cref="ExactVoxel"/>),
/// then keep only what later output slices need (<see cref="SliceWindow"/>). Why this equals materialising every
/// class: docs/fused-export.md.
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
    private readonly LogitSlabOrder order;
    private LabelMap? labels;
    private bool begun;
    private bool completed;
    private int nextOutput;

    // The run of slices being received (see LogitSlabOrder): the output slices it completes, the first of its output
    // rows not yet emitted, and the first input slice outputs after the run still need.
    private int runOutputEnd;
    private int nextOutputRow;
    private int keepFrom;

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
        window = new SliceWindow(input, classes, plan.RegionsClassOrder is not null, memory);
        summarizer = new SliceSummarizer(classes, plan.RegionsClassOrder, input);
        labels = LabelMap.Allocate(plan.OriginalShape, !plan.LabelsFitInBytes);
        torch = grid.Torch;
        order = new LogitSlabOrder(input);
    }

    /// <summary>The summary of every slice handed over at once.</summary>
    public long WorkingBytesPerSlice => SummaryBytesPerSlice(input, plan.RegionsClassOrder is not null);

    /// <summary>The largest working memory held at once (summaries, cells, retained slices), excluding the label map.</summary>
    internal long PeakWorkingBytes => memory.Peak;

    /// <summary>Bytes of retained input slices (K classes each) at the peak; the rest of the working memory does not depend on K.</summary>
    internal long PeakRetainedSliceBytes => window.PeakRetainedBytes;

    /// <summary>The summary the export keeps for each input slice of <paramref name="preprocessed"/> it holds.</summary>
    public static long SummaryBytesPerSlice(Shape3 preprocessed, bool regions) => SliceSummary.BytesFor(preprocessed.Y * preprocessed.X, regions);

    /// <summary>
    /// The working memory the export will hold for a preprocessed grid, for the memory plan, apart from the summaries of
    /// the slices handed over at once (<see cref="WorkingBytesPerSlice"/>): those of the two neighbour slices and their
    /// copies with all classes; or, when the logits come as one volume, the summaries of every slice.
    /// </summary>
    public static long PlannedWorkingBytes(Shape3 preprocessed, int classes, bool regions, bool wholeVolume)
    {
        long slice = (long)preprocessed.Y * preprocessed.X;
        long summary = SummaryBytesPerSlice(preprocessed, regions);
        return wholeVolume ? preprocessed.Z * summary : 2 * (summary + (classes * slice * sizeof(ushort)));
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
        (int rowFrom, int rowTo, bool starts, bool completes) = order.Next(slab);
        long expected = (long)classes * zCount * plane;
        if (slab.ContiguousLength >= 0 && slab.ContiguousLength != expected)
        {
            throw new ArgumentException($"a slab of {classes} x {zCount} x {input.Y} x {input.X} needs {expected} values, got {slab.ContiguousLength}", nameof(slab));
        }

        LabelMap map = labels ?? throw new ObjectDisposedException(nameof(SegmentationExporter));
        var planes = new InputPlanes(slab, (input.Y, input.X), window);
        if (starts)
        {
            StartRun(zStart + zCount);
            for (int z = zStart; z < zStart + zCount; z++)
            {
                window.Open(z);
            }
        }

        summarizer.Summarize(planes, window, zStart, zCount, rowFrom, rowTo);
        EmitReadyRows(rowTo, planes, map);
        if (completes)
        {
            // Released before the copies below, so whole slices never hold an old and a new neighbour copy at once.
            nextOutput = runOutputEnd;
            window.ReleaseBelow(Math.Min(keepFrom, zStart + zCount));
        }

        window.Retain(planes, keepFrom, zStart, zCount, rowFrom, rowTo);
    }

    public void Complete()
    {
        if (!begun || completed)
        {
            throw new InvalidOperationException("Complete must come once, after Begin");
        }

        if (!order.Done || nextOutput != grid.Z.OutputLength)
        {
            throw new InvalidOperationException($"Complete before all {input.Z} slices were received");
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

    /// <summary>
    /// A run of slices ending before <paramref name="runEnd"/> begins: the output slices whose high z tap lies before it
    /// are emitted while its rows come, and the slices from <see cref="keepFrom"/> on are kept for the outputs after it.
    /// </summary>
    private void StartRun(int runEnd)
    {
        TapPairs<double> tz = grid.Z;
        runOutputEnd = nextOutput;
        while (runOutputEnd < tz.OutputLength && tz.High[runOutputEnd] < runEnd)
        {
            runOutputEnd++;
        }

        nextOutputRow = 0;
        keepFrom = runOutputEnd < tz.OutputLength ? tz.Low[runOutputEnd] : input.Z;
    }

    /// <summary>
    /// Emits the run's output rows whose high y tap is below <paramref name="rowTo"/> (every row once the input's last
    /// row is in): first their cells, then their voxels.
    /// </summary>
    private void EmitReadyRows(int rowTo, InputPlanes planes, LabelMap map)
    {
        TapPairs<double> ty = grid.Y;
        int rowStart = nextOutputRow;
        int rowEnd = rowStart;
        while (rowEnd < ty.OutputLength && (rowTo == input.Y || ty.High[rowEnd] < rowTo))
        {
            rowEnd++;
        }

        if (runOutputEnd == nextOutput || rowEnd == rowStart)
        {
            return;
        }

        int firstCell = cellsZ.OfOutput[nextOutput];
        int cellSlices = cellsZ.OfOutput[runOutputEnd - 1] - firstCell + 1;
        int firstCellRow = cellsY.OfOutput[rowStart];
        int cellRows = cellsY.OfOutput[rowEnd - 1] - firstCellRow + 1;
        int[] decided = ArrayPool<int>.Shared.Rent(cellSlices * cellRows * cellsX.Count);
        memory.Add(decided.Length * (long)sizeof(int));
        try
        {
            var cells = new CellBlock(firstCell, firstCellRow, cellRows, decided);
            Parallel.For(0, cellSlices * cellRows, row => DecideCellRow(cells, row));
            int outputSlices = runOutputEnd - nextOutput;
            int height = rowEnd - rowStart;
            Parallel.For(0, outputSlices * height, row => EmitRow(nextOutput + (row / height), rowStart + (row % height), cells, planes, map));
            nextOutputRow = rowEnd;
        }
        finally
        {
            memory.Add(-decided.Length * (long)sizeof(int));
            ArrayPool<int>.Shared.Return(decided);
        }
    }

    /// <summary>Row <paramref name="row"/> of <paramref name="cells"/> (z, then y).</summary>
    private void DecideCellRow(CellBlock cells, int row)
    {
        int cz = cells.FirstSlice + (row / cells.Rows);
        int cy = cells.FirstRow + (row % cells.Rows);
        CellFastPath.DecideRow(
            window.Summary(cellsZ.Low[cz]),
            window.Summary(cellsZ.High[cz]),
            cellsY.Low[cy] * input.X,
            cellsY.High[cy] * input.X,
            input.X,
            cellsX,
            cells.Decided.AsSpan(row * cellsX.Count, cellsX.Count));
    }

    private void EmitRow(int oz, int oy, CellBlock cells, InputPlanes planes, LabelMap map)
    {
        int cellRow = (((cellsZ.OfOutput[oz] - cells.FirstSlice) * cells.Rows) + (cellsY.OfOutput[oy] - cells.FirstRow)) * cellsX.Count;
        int[] decided = cells.Decided;
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
            TrilinearStencil stencil = grid.StencilAt(oz, oy);
            ExactVoxel.LabelRow(
                grid, stencil, planes, window.Summary(stencil.LowSlice), window.Summary(stencil.HighSlice), classes, plan.RegionsClassOrder, row);
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
