namespace SegEngine.Tests;

/// <summary>
/// What nnU-Net's sample fixtures cover (<see cref="TestPaths.Sample"/>): both configurations and three cases, each
/// predicted with and without mirroring.
/// </summary>
internal static class SampleRuns
{
    public static readonly string[] Configurations = ["3d_fullres", "2d"];

    public static readonly string[] CaseIds = ["case_000", "case_001", "case_003"];

    /// <summary>Every (configuration, mirroring, case).</summary>
    public static TheoryData<string, bool, string> All()
    {
        var runs = new TheoryData<string, bool, string>();
        foreach (string configuration in Configurations)
        {
            foreach (bool tta in new[] { true, false })
            {
                foreach (string caseId in CaseIds)
                {
                    runs.Add(configuration, tta, caseId);
                }
            }
        }

        return runs;
    }

    /// <summary>How the fixtures name a run's mirroring: <c>tta</c> or <c>notta</c>.</summary>
    public static string Mirroring(bool tta) => tta ? "tta" : "notta";

    /// <summary>The folder of nnU-Net's reference outputs for a run, e.g. <c>3d_fullres_tta</c>.</summary>
    public static string Name(string configuration, bool tta) => $"{configuration}_{Mirroring(tta)}";
}
