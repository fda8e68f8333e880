using SegEngine.Pipeline.Batch;

namespace SegEngine.Tests.Pipeline.Batch;

public class PartSelectionTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void FlagsWinOverTheEnvironment()
    {
        PartSelection part = PartSelection.Resolve(3, 2, Environment(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "5")));

        Assert.Equal((3, 2), (part.Parts, part.PartId));
        Assert.Contains("-num_parts", part.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void NoFlagsAndNoSchedulerMeansEveryCase()
    {
        Assert.Equal(PartSelection.Whole, PartSelection.Resolve(null, null, Environment()));
    }

    [Theory]
    [InlineData("3", null, "4", 3)]
    [InlineData("5", "1", "8", 4)] // --array=1-8: task 5 is the fifth part, index 4
    public void SlurmArraysGiveThePartFromTheTaskOffset(string task, string? min, string count, int expected)
    {
        var variables = new List<(string, string)> { ("SLURM_ARRAY_TASK_ID", task), ("SLURM_ARRAY_TASK_COUNT", count) };
        if (min is not null)
        {
            variables.Add(("SLURM_ARRAY_TASK_MIN", min));
        }

        PartSelection part = PartSelection.Resolve(null, null, Environment([.. variables]));

        Assert.Equal((int.Parse(count, System.Globalization.CultureInfo.InvariantCulture), expected), (part.Parts, part.PartId));
        Assert.StartsWith("Slurm job array", part.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesIndexedJobsTakeTheCountFromTheFlagOrTheVariable()
    {
        PartSelection fromFlag = PartSelection.Resolve(4, null, Environment(("JOB_COMPLETION_INDEX", "3")));
        PartSelection fromVariable = PartSelection.Resolve(null, null, Environment(("JOB_COMPLETION_INDEX", "1"), (PartSelection.PartCountVariable, "2")));

        Assert.Equal((4, 3), (fromFlag.Parts, fromFlag.PartId));
        Assert.Equal((2, 1), (fromVariable.Parts, fromVariable.PartId));
        Assert.StartsWith("Kubernetes Indexed Job", fromVariable.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "JOB_COMPLETION_INDEX", "0")] // no part count anywhere
    [InlineData(null, "SLURM_ARRAY_TASK_ID", "0")] // no SLURM_ARRAY_TASK_COUNT
    [InlineData(2, "JOB_COMPLETION_INDEX", "2")] // index out of range
    [InlineData(null, "SLURM_ARRAY_TASK_ID", "x")] // not a number
    public void InconsistentSchedulerValuesAreErrorsNamingThem(int? parts, string variable, string value)
    {
        var error = Assert.Throws<SegEngineException>(() => PartSelection.Resolve(parts, null, Environment((variable, value), ("SLURM_ARRAY_TASK_MIN", "0"))));

        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutOfRangeFlagsAreErrors()
    {
        Assert.Throws<SegEngineException>(() => PartSelection.Resolve(2, 2, Environment()));
        Assert.Throws<SegEngineException>(() => PartSelection.Resolve(0, 0, Environment()));
    }

    [Fact]
    public void PartsTakeEveryNthCaseLikeNnUNetAndCoverAllOnce()
    {
        string[] cases = [.. Enumerable.Range(0, 11).Select(i => $"case_{i:D3}")];

        IReadOnlyList<string> first = new PartSelection(3, 0, "test").Select(cases);
        IReadOnlyList<string> second = new PartSelection(3, 1, "test").Select(cases);
        IReadOnlyList<string> third = new PartSelection(3, 2, "test").Select(cases);

        Assert.Equal(["case_000", "case_003", "case_006", "case_009"], first);
        Assert.Equal(cases, first.Concat(second).Concat(third).Order(StringComparer.Ordinal));
    }
}
