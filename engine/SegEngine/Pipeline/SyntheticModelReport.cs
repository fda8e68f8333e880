namespace SegEngine.Pipeline;

/// <summary>What was written.</summary>
internal sealed record SyntheticModelReport(string Folder, string OnnxPath, string CheckpointPath, string NetworkClass, long ParameterCount, long OnnxBytes, TimeSpan Elapsed);
