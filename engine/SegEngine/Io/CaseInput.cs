namespace SegEngine.Io;

/// <summary>One case of an input folder: its id and its channel files, sorted so that <c>_0000</c> is channel 0.</summary>
internal sealed record CaseInput(string CaseId, IReadOnlyList<string> ChannelFiles);
