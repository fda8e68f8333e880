namespace SegEngine.Server.Oip;

/// <summary>An output the client named, with the datatype it asked for (the output's <c>datatype</c> parameter) and, over HTTP, whether as binary data.</summary>
internal sealed record RequestedOutput(string Name, string? Datatype, bool Binary = false);
