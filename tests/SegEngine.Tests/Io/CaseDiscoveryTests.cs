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

    [Fact]
    public void MissingChannelIsNamed()
    {
        var input = new CaseInput("brain_7", ["/d/brain_7_0000.nii.gz", "/d/brain_7_0002.nii.gz"]);

        var error = Assert.Throws<SegEngineException>(() => CaseDiscovery.CheckChannels(input, 3, ".nii.gz"));

        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains("brain_7_0001.nii.gz", error.Message);
        Assert.Contains("expects 3", error.Message);
    }

    [Fact]
    public void ExtraChannelIsNamed()
    {
        var input = new CaseInput("c", ["/d/c_0000.nii.gz", "/d/c_0001.nii.gz"]);

        var error = Assert.Throws<SegEngineException>(() => CaseDiscovery.CheckChannels(input, 1, ".nii.gz"));

        Assert.Contains("c_0001.nii.gz", error.Message);
    }

    [Fact]
    public void CompleteCasePasses()
    {
        CaseDiscovery.CheckChannels(new CaseInput("c", ["/d/c_0000.nii.gz", "/d/c_0001.nii.gz"]), 2, ".nii.gz");
    }

    [Fact]
    public void MissingFolderIsAnError()
    {
        var error = Assert.Throws<SegEngineException>(() => CaseDiscovery.FindCases("/nonexistent/segengine", ".nii.gz"));
        Assert.Contains("/nonexistent/segengine", error.Message);
    }
}
