using System.Text.Json.Nodes;
using SegEngine.Conversion;
using SegEngine.Model;

namespace SegEngine.Tests.Conversion;

/// <summary>The networks of nnunet-parity.md §1.5's ResEnc plans (tests/fixtures/conversion/resenc_m_plans.json, transcribed from the contract) and what cannot be built.</summary>
public class UNetNetworkTests
{
    private static readonly string MPlans = Path.Combine(TestPaths.Fixtures, "conversion", "resenc_m_plans.json");

    // Exact counts from an independent formula over the topology of nnunet-parity.md §6 (1 input channel, 5 classes);
    // the contract rounds them to ≈102M (M and L 3-D), 141.5M (XL 3-D) and 105.9M (2-D).
    [Theory]
    [InlineData("3d_fullres", false, 101_942_585L, 102.0, 0)]
    [InlineData("3d_fullres", true, 141_483_390L, 141.5, 1)]
    [InlineData("2d", false, 105_921_342L, 105.9, 1)]
    public void ParameterCountsMatchTheContract(string configuration, bool xl, long expected, double contractMillions, int contractDecimals)
    {
        string plans = MPlans;
        if (xl)
        {
            plans = EditPlans(arch =>
            {
                arch["n_stages"] = 7;
                arch["features_per_stage"] = new JsonArray(32, 64, 128, 256, 320, 320, 320);
                arch["kernel_sizes"] = new JsonArray([.. Enumerable.Range(0, 7).Select(_ => (JsonNode)new JsonArray(3, 3, 3))]);
                arch["strides"] = new JsonArray([new JsonArray(1, 1, 1), .. Enumerable.Range(0, 5).Select(_ => (JsonNode)new JsonArray(2, 2, 2)), new JsonArray(1, 2, 2)]);
                arch["n_blocks_per_stage"] = new JsonArray(1, 3, 4, 6, 6, 6, 6);
                arch["n_conv_per_stage_decoder"] = new JsonArray(1, 1, 1, 1, 1, 1);
            }, patch: [160, 256, 320]);
        }

        ConfigurationPlan plan = PlansInfo.Load(plans).GetConfiguration(configuration);
        UNetNetwork network = UNetNetwork.Build(plan.Architecture, 1, 5, plan.PatchSize);

        Assert.Equal(expected, network.ParameterCount);
        Assert.Equal(contractMillions, Math.Round(network.ParameterCount / 1e6, contractDecimals));
        Assert.Equal(network.Parameters.Count, network.Graph.Initializers.Count + (plan.Architecture.StageCount - 2) * 2);
    }

    [Theory]
    [InlineData("norm_op", "torch.nn.modules.batchnorm.BatchNorm3d", "InstanceNorm3d")]
    [InlineData("nonlin", "torch.nn.GELU", "LeakyReLU")]
    [InlineData("block", "dynamic_network_architectures.building_blocks.residual.BottleneckD", "BasicBlockD")]
    [InlineData("conv_op", "torch.nn.modules.conv.Conv2d", "Conv3d")]
    [InlineData("squeeze_excitation", "true", "is not an argument")]
    public void UnsupportedArchitecturesNameThePlansKey(string key, string value, string expected)
    {
        string plans = EditPlans(arch => arch[key] = value == "true" ? JsonValue.Create(true) : JsonValue.Create(value));
        ConfigurationPlan plan = PlansInfo.Load(plans).GetConfiguration("3d_fullres");

        var error = Assert.Throws<SegEngineException>(() => UNetNetwork.Build(plan.Architecture, 1, 5, plan.PatchSize));

        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains($"{plans}: configurations.3d_fullres.architecture.arch_kwargs.{key}", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherNetworkClassesAreUnsupported()
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(MPlans))!.AsObject();
        root["configurations"]!["3d_fullres"]!["architecture"]!["network_class_name"] = "dynamic_network_architectures.architectures.mednext.MedNeXt";
        string plans = Path.Combine(TestPaths.NewTempFolder(), "plans.json");
        File.WriteAllText(plans, root.ToJsonString());
        ConfigurationPlan plan = PlansInfo.Load(plans).GetConfiguration("3d_fullres");

        var error = Assert.Throws<SegEngineException>(() => UNetNetwork.Build(plan.Architecture, 1, 5, plan.PatchSize));
        Assert.Contains("MedNeXt", error.Message, StringComparison.Ordinal);
    }

    private static string EditPlans(Action<JsonObject> editArchKwargs, int[]? patch = null)
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(MPlans))!.AsObject();
        JsonObject configuration = root["configurations"]!["3d_fullres"]!.AsObject();
        editArchKwargs(configuration["architecture"]!["arch_kwargs"]!.AsObject());
        if (patch is not null)
        {
            configuration["patch_size"] = new JsonArray([.. patch.Select(p => (JsonNode)p)]);
        }

        string path = Path.Combine(TestPaths.NewTempFolder(), "plans.json");
        File.WriteAllText(path, root.ToJsonString());
        return path;
    }
}
