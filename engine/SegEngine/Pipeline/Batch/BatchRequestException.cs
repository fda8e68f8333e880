namespace SegEngine.Pipeline.Batch;

/// <summary>
/// A <see cref="BatchRequest"/> that cannot run with this model, e.g. a cascade stage without the previous stage's
/// outputs: the caller must change the request (the CLI reports it as a usage error).
/// </summary>
internal sealed class BatchRequestException(string message) : ArgumentException(message);
