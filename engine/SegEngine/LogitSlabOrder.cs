namespace SegEngine;

/// <summary>
/// The order an <see cref="ILogitSlabSink"/> must be fed in, checked slab by slab: slices in ascending runs that cover
/// the volume, each run either whole or in bands of rows from the first row to the last, one band per slab.
/// </summary>
internal sealed class LogitSlabOrder(Shape3 shape)
{
    // Slices before this one have been handed over completely.
    private int completeBelow;

    // The run in progress (rows [0, runRows) handed over), if runRows is not 0.
    private int runStart;
    private int runCount;
    private int runRows;

    /// <summary>Every slice has been handed over completely.</summary>
    public bool Done => completeBelow == shape.Z && runRows == 0;

    /// <summary>
    /// Checks that <paramref name="slab"/> comes next and records it. Returns its rows, whether it starts a run of
    /// slices (its first rows) and whether it completes it (its last).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The slab is not the next one.</exception>
    public (int RowFrom, int RowTo, bool Starts, bool Completes) Next(LogitSlab slab)
    {
        (int rowFrom, int rowTo) = slab.Rows(shape.Y);
        bool continues = runRows > 0;
        int expectedStart = continues ? runStart : completeBelow;
        int expectedRow = continues ? runRows : 0;
        bool slicesFit = continues ? slab.ZCount == runCount : slab.ZCount > 0 && slab.ZStart + slab.ZCount <= shape.Z;
        if (slab.ZStart != expectedStart || !slicesFit || rowFrom != expectedRow || rowTo <= rowFrom)
        {
            string expected = continues
                ? $"rows from {runRows} of slices [{runStart}, {runStart + runCount})"
                : $"the slab starting at slice {completeBelow} with 1..{shape.Z - completeBelow} slices from row 0";
            throw new ArgumentOutOfRangeException(
                nameof(slab), $"expected {expected}, got rows [{rowFrom}, {rowTo}) of slices [{slab.ZStart}, {slab.ZStart + slab.ZCount})");
        }

        (runStart, runCount) = (slab.ZStart, slab.ZCount);
        bool completes = rowTo == shape.Y;
        runRows = completes ? 0 : rowTo;
        if (completes)
        {
            completeBelow = slab.ZStart + slab.ZCount;
        }

        return (rowFrom, rowTo, !continues, completes);
    }
}
