using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SegEngine.Perf.Kernels;

/// <summary>A summary column computed from <see cref="TrafficTable"/>: the size, the GB/s or the share of copy bandwidth.</summary>
internal sealed class TrafficColumn : IColumn
{
    private readonly Func<Summary, BenchmarkCase, string> value;

    private TrafficColumn(string name, string legend, bool numeric, Func<Summary, BenchmarkCase, string> value)
    {
        ColumnName = name;
        Legend = legend;
        IsNumeric = numeric;
        this.value = value;
    }

    public static TrafficColumn Size { get; } = new("Size", "Problem size of one invocation", numeric: false, (_, c) => TrafficTable.For(c)?.Size ?? "?");

    public static TrafficColumn Throughput { get; } = new(
        "GB/s", "Bytes read + written per invocation (see kernels.md) / mean time", numeric: true, (s, c) => Format(Bandwidth.GigabytesPerSecond(s, c), "F2"));

    public static TrafficColumn CopyShare { get; } = new(
        "% copy", "GB/s as a percentage of the single-threaded memory copy's read+write bandwidth in the same run", numeric: true, (s, c) => Format(Bandwidth.PercentOfCopy(s, c), "F1"));

    public string Id => nameof(TrafficColumn) + "." + ColumnName;

    public string ColumnName { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric { get; }

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend { get; }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => value(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => value(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    private static string Format(double? number, string format) => number?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
}
