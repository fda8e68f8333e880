using SegEngine.Io;

namespace SegEngine.Tests.Io;

public class CaseDiscoveryTests
{
    [Fact]
    public void GroupsChannelFilesByCaseInNameOrder()
    {
        string folder = TestPaths.NewTempFolder();
        foreach (string name in new[] { "b_0001.nii.gz", "b_0000.nii.gz", "a_0000.nii.gz", "notes.txt", "a.nii.gz", "c_000.nii.gz", "x_0000.nii" })
        {
            File.WriteAllText(Path.Combine(folder, name), "");
        }

        IReadOnlyList<CaseInput> cases = CaseDiscovery.FindCases(folder, ".nii.gz");

        Assert.Equal(["a", "b"], cases.Select(c => c.CaseId));
        Assert.Equal(["b_0000.nii.gz", "b_0001.nii.gz"], cases[1].ChannelFiles.Select(Path.GetFileName));
    }

    [Fact]
    public void CaseIdsMayContainUnderscoresAndDigits()
    {
        string folder = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(folder, "liver_12_0003_0000.nii.gz"), "");

        IReadOnlyList<CaseInput> cases = CaseDiscovery.FindCases(folder, ".nii.gz");

        Assert.Equal("liver_12_0003", Assert.Single(cases).CaseId);
    }

    [Theory]
    [InlineData("liver_12_0003_0001.nii.gz", "liver_12_0003", 1)]
    [InlineData("a_0000.nii.gz", "a", 0)]
    [InlineData("_0000.nii.gz", null, 0)]
    [InlineData("a_000x.nii.gz", null, 0)]
    [InlineData("a_0000.nii", null, 0)]
    [InlineData("a0000.nii.gz", null, 0)]
    public void ChannelFileNamesGiveTheCaseAndChannel(string name, string? caseId, int channel)
    {
        (string CaseId, int Channel)? parsed = CaseDiscovery.ParseChannelFile(name, ".nii.gz");

        Assert.Equal(caseId, parsed?.CaseId);
        Assert.Equal(channel, parsed?.Channel ?? 0);
    }

    [Fact]
    public void MissingChannelIsNamed()
    {
        var input = new CaseInput("brain_7", ["/d/brain_7_0000.nii.gz", "/d/brain_7_0002.nii.gz"]);

        var error = Assert.Throws<SegEngineException>(() => ChannelChecks.FilesPresent(input, 3, ".nii.gz"));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains("brain_7_0001.nii.gz", error.Message);
        Assert.Contains("expects 3", error.Message);
    }

    [Fact]
    public void ExtraChannelIsNamed()
    {
        var input = new CaseInput("c", ["/d/c_0000.nii.gz", "/d/c_0001.nii.gz"]);

        var error = Assert.Throws<SegEngineException>(() => ChannelChecks.FilesPresent(input, 1, ".nii.gz"));

        Assert.Contains("c_0001.nii.gz", error.Message);
    }

    [Fact]
    public void CompleteCasePasses()
    {
        ChannelChecks.FilesPresent(new CaseInput("c", ["/d/c_0000.nii.gz", "/d/c_0001.nii.gz"]), 2, ".nii.gz");
    }

    [Fact]
    public void MissingFolderIsAnError()
    {
        var error = Assert.Throws<SegEngineException>(() => CaseDiscovery.FindCases("/nonexistent/segengine", ".nii.gz"));
        Assert.Contains("/nonexistent/segengine", error.Message);
    }
}
