using System.Reflection;

namespace SegEngine.Server.Hosting;

/// <summary>What the server metadata calls say about the server itself.</summary>
internal static class ServerInfo
{
    public const string Name = "segengine";

    /// <summary>The protocol extensions served beyond the core: binary tensors over HTTP.</summary>
    public static readonly string[] Extensions = ["binary_tensor_data"];

    public static string Version { get; } = typeof(ServerInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
}
