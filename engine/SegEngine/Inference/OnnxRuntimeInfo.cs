using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Inference;

/// <summary>The ONNX Runtime this process loaded: version and execution providers, for <c>segengine info</c> and the batch report.</summary>
internal static class OnnxRuntimeInfo
{
    public static string Version => OrtEnv.Instance().GetVersionString();

    public static IReadOnlyList<string> AvailableProviders => OrtEnv.Instance().GetAvailableProviders();
}
