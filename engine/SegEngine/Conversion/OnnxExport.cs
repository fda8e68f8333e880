using System.Reflection;
using SegEngine.Conversion.Onnx;
using SegEngine.Io;

namespace SegEngine.Conversion;

/// <summary>Writes a <see cref="UNetNetwork"/> with a set of weights to an ONNX file, atomically.</summary>
internal static class OnnxExport
{
    /// <summary>The engine version, written as the ONNX producer version and into conversion fingerprints.</summary>
    public static string ProducerVersion { get; } =
        typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    /// <summary>
    /// Writes the network's graph, with <paramref name="weights"/> supplying each parameter, through an
    /// <see cref="AtomicFile"/>, so the target is either the old file or the complete new one.
    /// Returns the file size in bytes.
    /// </summary>
    /// <exception cref="SegEngineException"><see cref="SegErrorCode.Io"/> when the target folder cannot be written.</exception>
    public static long Write(UNetNetwork network, string path, Action<NetworkParameter, Span<float>> weights)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(weights);
        Dictionary<string, NetworkParameter> parameters = network.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        try
        {
            using (AtomicFile output = AtomicFile.Create(path))
            {
                OnnxModelWriter.Write(output.Stream, network.Graph, ProducerVersion, (initializer, destination) => weights(parameters[initializer.Name], destination));
                output.Commit();
            }

            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: cannot write the ONNX model there ({e.Message})", e);
        }
    }
}
