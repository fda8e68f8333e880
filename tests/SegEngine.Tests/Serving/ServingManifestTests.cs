using YamlDotNet.RepresentationModel;

namespace SegEngine.Tests.Serving;

/// <summary>The Kubernetes and KServe manifests of docs/serving/ parse and say what docs/serving.md promises.</summary>
public class ServingManifestTests
{
    [Fact]
    public void TheDeploymentIsProbedOnReadinessHasResourcesAndIsScaledAndServed()
    {
        Dictionary<string, YamlMappingNode> documents = Load("kubernetes.yaml");

        YamlMappingNode pod = Node(documents["Deployment"], "spec", "template", "spec");
        YamlMappingNode container = (YamlMappingNode)((YamlSequenceNode)pod["containers"])[0];
        string[] args = [.. ((YamlSequenceNode)container["args"]).Select(a => a.ToString())];
        Assert.Equal("serve", args[0]);
        Assert.Equal("0.0.0.0", args[Array.IndexOf(args, "--host") + 1]);
        Assert.Equal("/v2/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal("/v2/health/live", Text(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal("12Gi", Text(container, "resources", "requests", "memory"));
        Assert.NotNull(Node(container, "resources", "limits")["memory"]);
        Assert.Equal(["8000", "8001"], ((YamlSequenceNode)Node(documents["Service"], "spec")["ports"]).Select(p => ((YamlMappingNode)p)["port"].ToString()));
        Assert.Equal(Text(documents["Deployment"], "metadata", "name"), Text(documents["HorizontalPodAutoscaler"], "spec", "scaleTargetRef", "name"));
        Assert.Equal("Deployment", Text(documents["HorizontalPodAutoscaler"], "spec", "scaleTargetRef", "kind"));
    }

    [Fact]
    public void TheKServeRuntimeSpeaksV2AndTheInferenceServiceUsesIt()
    {
        Dictionary<string, YamlMappingNode> documents = Load("kserve.yaml");

        YamlMappingNode runtime = documents["ServingRuntime"];
        Assert.Contains("v2", ((YamlSequenceNode)Node(runtime, "spec")["protocolVersions"]).Select(v => v.ToString()));
        YamlMappingNode container = (YamlMappingNode)((YamlSequenceNode)Node(runtime, "spec")["containers"])[0];
        Assert.Equal("kserve-container", Text(container, "name"));
        Assert.Equal("/v2/health/ready", Text(container, "readinessProbe", "httpGet", "path"));
        string format = Text((YamlMappingNode)((YamlSequenceNode)Node(runtime, "spec")["supportedModelFormats"])[0], "name")!;

        YamlMappingNode model = Node(documents["InferenceService"], "spec", "predictor", "model");
        Assert.Equal(Text(runtime, "metadata", "name"), Text(model, "runtime"));
        Assert.Equal("v2", Text(model, "protocolVersion"));
        Assert.Equal(format, Text(model, "modelFormat", "name"));
    }

    /// <summary>Every document of a manifest file, by its kind.</summary>
    private static Dictionary<string, YamlMappingNode> Load(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(TestPaths.RepositoryRoot, "docs", "serving", file)))
        {
            yaml.Load(reader);
        }

        return yaml.Documents.Select(d => (YamlMappingNode)d.RootNode).ToDictionary(d => d["kind"].ToString());
    }

    private static YamlMappingNode Node(YamlMappingNode node, params string[] path) =>
        path.Aggregate(node, (current, key) => (YamlMappingNode)current[key]);

    private static string? Text(YamlMappingNode node, params string[] path) =>
        Node(node, path[..^1]).Children.TryGetValue(new YamlScalarNode(path[^1]), out YamlNode? value) ? value.ToString() : null;
}
