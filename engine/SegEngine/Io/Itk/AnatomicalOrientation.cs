namespace SegEngine.Io.Itk;

/// <summary>
/// The three letters MetaImageIO writes as a 3D image's <c>AnatomicalOrientation</c>: ITK's
/// <c>SpatialOrientationAdapter::FromDirectionCosines</c> assigns each index axis the world axis of the largest remaining
/// |direction| entry (greedily, removing that row and column), then the letter the axis increases away from (R/L, A/P, I/S).
/// </summary>
/// <remarks>
/// This is the rule of current ITK (its main branch, which recent pip SimpleITK builds on). ITK 5.2 picks each column's
/// dominant axis alone and falls back to RPI when two columns tie; the two agree unless entries tie (a 45° rotation: 5.2
/// writes RPI, we RAI).
/// ITK's readers ignore the field.
/// </remarks>
internal static class AnatomicalOrientation
{
    public static string Of(IReadOnlyList<double> direction)
    {
        var letters = new char[3];
        var usedRow = new bool[3];
        var usedColumn = new bool[3];
        for (int step = 0; step < 3; step++)
        {
            // std::multimap ordered by |value|, ties in insertion order (world axis, then index axis); rbegin is the last of the largest.
            int bestRow = -1, bestColumn = -1;
            double best = -1;
            for (int row = 0; row < 3; row++)
            {
                for (int column = 0; column < 3; column++)
                {
                    double magnitude = Math.Abs(direction[(row * 3) + column]);
                    if (!usedRow[row] && !usedColumn[column] && magnitude >= best)
                    {
                        best = magnitude;
                        bestRow = row;
                        bestColumn = column;
                    }
                }
            }

            usedRow[bestRow] = true;
            usedColumn[bestColumn] = true;
            bool positive = direction[(bestRow * 3) + bestColumn] > 0;
            letters[bestColumn] = bestRow switch
            {
                0 => positive ? 'R' : 'L',
                1 => positive ? 'A' : 'P',
                _ => positive ? 'I' : 'S',
            };
        }

        return new string(letters);
    }
}
