namespace SegEngine.Export;

/// <summary>
/// The cells one emission decides: <paramref name="Rows"/> cell rows from <paramref name="FirstRow"/> in every cell
/// slice from <paramref name="FirstSlice"/>, their decisions (a label or <see cref="CellFastPath.Undecided"/>) in
/// <paramref name="Decided"/>, z then y then x.
/// </summary>
internal readonly record struct CellBlock(int FirstSlice, int FirstRow, int Rows, int[] Decided);
