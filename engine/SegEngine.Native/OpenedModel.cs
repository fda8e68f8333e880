using System.Collections.Concurrent;
using SegEngine.Pipeline;

namespace SegEngine.Native;

/// <summary>An opened model and the warnings its loading gave.</summary>
internal sealed class OpenedModel(SegModel model, ConcurrentQueue<string> warnings)
{
    public SegModel Model { get; } = model;

    public string Warnings => string.Join('\n', warnings);
}
