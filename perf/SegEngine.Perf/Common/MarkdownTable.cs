using System.Text;

namespace SegEngine.Perf.Common;

/// <summary>A GitHub-flavoured markdown table built row by row; numbers are right-aligned.</summary>
internal sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public MarkdownTable Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"a row of {cells.Length} cells in a table of {headers.Length} columns");
        }

        rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
        text.Append('|').AppendJoin('|', headers.Select((_, column) => IsNumeric(column) ? "---:" : "---")).AppendLine("|");
        foreach (string[] row in rows)
        {
            text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        }

        return text.ToString();
    }

    /// <summary>A column is numeric when every row's cell there starts with a digit or a sign.</summary>
    private bool IsNumeric(int column) =>
        rows.Count > 0 && rows.All(row => row[column].Length > 0 && (char.IsDigit(row[column][0]) || row[column][0] is '-' or '+'));
}
