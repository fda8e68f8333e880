namespace SegEngine.Pipeline.Batch;

/// <summary>One case of a batch: its channel files and where its outputs go.</summary>
/// <param name="CaseId">nnU-Net's case id (file name less <c>_XXXX</c> and the ending).</param>
/// <param name="ChannelFiles">The channel files in channel order.</param>
/// <param name="OutputFile">The segmentation to write.</param>
/// <param name="ProbabilitiesFile">The <c>.npz</c> to write, or null.</param>
/// <param name="PreviousStageFile">The previous stage's segmentation (cascade), or null.</param>
internal sealed record BatchCase(string CaseId, IReadOnlyList<string> ChannelFiles, string OutputFile, string? ProbabilitiesFile, string? PreviousStageFile)
{
    /// <summary>Where the case's probabilities go: its <c>.npz</c>, or nowhere.</summary>
    public ProbabilityOutput Probabilities => ProbabilitiesFile is null ? ProbabilityOutput.None : ProbabilityOutput.File;
}
