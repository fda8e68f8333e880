using System.Text.Json.Nodes;
using SegEngine.Model;

namespace SegEngine.Tests.Model;

public class PlansInfoTests
{
    [Fact]
    public void ReadsTheSamplePlans()
    {
        PlansInfo plans = PlansInfo.Load(Path.Combine(TestPaths.SampleModel("3d_fullres"), "plans.json"));

        Assert.Equal("NibabelIO", plans.ImageReaderWriter);
        Assert.Equal([0, 1, 2], plans.TransposeForward);
        Assert.Equal([0, 1, 2], plans.TransposeBackward);
        Assert.Equal(["2d", "3d_fullres"], plans.ConfigurationNames);
        Assert.Equal(new IntensityProperties(312.6233825683594, 133.10928344726562, 84.0, 529.0, 238.0, -379.0, 558.0), Assert.Single(plans.IntensityProperties));

        ConfigurationPlan config = plans.GetConfiguration("3d_fullres");
        Assert.Equal([48, 64, 64], config.PatchSize);
        Assert.Equal([1.0, 1.0, 1.0], config.Spacing);
        Assert.False(config.Is2D);
        Assert.Equal([NormalizationScheme.CTNormalization], config.NormalizationSchemes);
        Assert.Equal([false], config.UseMaskForNorm);
        Assert.Equal(new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 3, 0, null), config.ResamplingData);
        Assert.Equal(new ResamplingSpec(ResamplingSpec.DefaultFunction, true, 1, 0, null), config.ResamplingSeg);
        Assert.Equal(new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 1, 0, null), config.ResamplingProbabilities);
        Assert.Null(config.PreviousStage);
        Assert.Null(config.NextStage);

        ArchitectureSummary arch = config.Architecture;
        Assert.Equal("ResidualEncoderUNet", arch.ShortClassName);
        Assert.Equal(5, arch.StageCount);
        Assert.Equal([8, 16, 32, 64, 64], arch.FeaturesPerStage);
        Assert.Equal([[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2]], arch.Strides);
        Assert.All(arch.KernelSizes, kernel => Assert.Equal([3, 3, 3], kernel));
        Assert.Equal([1, 2, 2, 3, 3], arch.BlocksPerStage);
        Assert.Equal([1, 1, 1, 1], arch.DecoderConvsPerStage);
        Assert.Equal([8, 16, 16], arch.TotalStride());
        Assert.Equal("torch.nn.modules.conv.Conv3d", arch.ConvOp);
        Assert.True(arch.ConvBias);
        Assert.False(arch.ConvertedFromLegacyPlans);

        ConfigurationPlan twoD = plans.GetConfiguration("2d");
        Assert.True(twoD.Is2D);
        Assert.Equal([96, 96], twoD.PatchSize);
        Assert.Equal([1.0, 1.0], twoD.Spacing);
    }

    [Fact]
    public void ResolvesInheritanceRecursivelyAndShallowly()
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            JsonObject configs = plans.Configurations();
            configs["3d_lowres"] = new JsonObject
            {
                ["inherits_from"] = "3d_fullres",
                ["spacing"] = new JsonArray(2.0, 2.5, 2.5),
                ["next_stage"] = "3d_cascade_fullres",
            };
            configs["3d_cascade_fullres"] = new JsonObject { ["inherits_from"] = "3d_fullres", ["previous_stage"] = "3d_lowres" };
            configs["grandchild"] = new JsonObject { ["inherits_from"] = "3d_lowres", ["patch_size"] = new JsonArray(32, 32, 32) };

            // A child architecture replaces the parent's whole dict (no deep merge).
            JsonObject architecture = configs["3d_fullres"]!["architecture"]!.DeepClone().AsObject();
            JsonObject kwargs = architecture["arch_kwargs"]!.AsObject();
            kwargs["n_stages"] = 2;
            kwargs["features_per_stage"] = new JsonArray(4, 8);
            kwargs["kernel_sizes"] = new JsonArray(new JsonArray(3, 3, 3), new JsonArray(1, 3, 3));
            kwargs["strides"] = new JsonArray(new JsonArray(1, 1, 1), new JsonArray(1, 2, 2));
            kwargs["n_blocks_per_stage"] = new JsonArray(1, 1);
            kwargs["n_conv_per_stage_decoder"] = new JsonArray(1);
            configs["small"] = new JsonObject { ["inherits_from"] = "3d_fullres", ["architecture"] = architecture };
        });
        PlansInfo plans = PlansInfo.Load(path);

        ConfigurationPlan lowres = plans.GetConfiguration("3d_lowres");
        Assert.Equal([2.0, 2.5, 2.5], lowres.Spacing);
        Assert.Equal([48, 64, 64], lowres.PatchSize);
        Assert.Equal("3d_cascade_fullres", lowres.NextStage);

        ConfigurationPlan cascade = plans.GetConfiguration("3d_cascade_fullres");
        Assert.Equal("3d_lowres", cascade.PreviousStage);
        Assert.Equal([1.0, 1.0, 1.0], cascade.Spacing);

        ConfigurationPlan grandchild = plans.GetConfiguration("grandchild");
        Assert.Equal([32, 32, 32], grandchild.PatchSize);
        Assert.Equal([2.0, 2.5, 2.5], grandchild.Spacing);

        ConfigurationPlan small = plans.GetConfiguration("small");
        Assert.Equal(2, small.Architecture.StageCount);
        Assert.Equal([4, 8], small.Architecture.FeaturesPerStage);
        Assert.Equal([1, 2, 2], small.Architecture.TotalStride());
    }

    [Theory]
    [InlineData("a", "b", "b", "a")]
    [InlineData("a", "a", "b", "3d_fullres")]
    public void InheritanceCycleIsAnError(string first, string firstParent, string second, string secondParent)
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            plans.Configurations()[first] = new JsonObject { ["inherits_from"] = firstParent };
            plans.Configurations()[second] = new JsonObject { ["inherits_from"] = secondParent };
        });

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration(first));
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains("cycle", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void UnknownParentAndUnknownConfigurationNameTheChoices()
    {
        string path = ModelFixtures.WritePlans(plans => plans.Configurations()["child"] = new JsonObject { ["inherits_from"] = "nope" });
        PlansInfo plans = PlansInfo.Load(path);

        Assert.Contains("'nope'", Assert.Throws<SegEngineException>(() => plans.GetConfiguration("child")).Message);
        var error = Assert.Throws<SegEngineException>(() => plans.GetConfiguration("3d_lowres"));
        Assert.Contains("2d, 3d_fullres, child", error.Message);
    }

    [Fact]
    public void ConvertsLegacyPlansWithoutArchitecture()
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            JsonObject config = plans.Configurations()["3d_fullres"]!.AsObject();
            config.Remove("architecture");
            config["patch_size"] = new JsonArray(64, 128, 128);
            config["UNet_class_name"] = "PlainConvUNet";
            config["UNet_base_num_features"] = 32;
            config["unet_max_num_features"] = 320;
            config["n_conv_per_stage_encoder"] = new JsonArray(2, 2, 2, 2, 2, 2);
            config["n_conv_per_stage_decoder"] = new JsonArray(2, 2, 2, 2, 2);
            config["num_pool_per_axis"] = new JsonArray(4, 5, 5);
            config["conv_kernel_sizes"] = new JsonArray(Enumerable.Range(0, 6).Select(_ => (JsonNode)new JsonArray(3, 3, 3)).ToArray());
            config["pool_op_kernel_sizes"] = new JsonArray(
                new JsonArray(1, 1, 1), new JsonArray(2, 2, 2), new JsonArray(2, 2, 2), new JsonArray(2, 2, 2), new JsonArray(2, 2, 2), new JsonArray(1, 2, 2));
        });

        ArchitectureSummary arch = PlansInfo.Load(path).GetConfiguration("3d_fullres").Architecture;

        Assert.True(arch.ConvertedFromLegacyPlans);
        Assert.Equal("dynamic_network_architectures.architectures.unet.PlainConvUNet", arch.NetworkClassName);
        Assert.Equal(6, arch.StageCount);
        Assert.Equal([32, 64, 128, 256, 320, 320], arch.FeaturesPerStage);
        Assert.Equal([2, 2, 2, 2, 2, 2], arch.BlocksPerStage);
        Assert.Equal([2, 2, 2, 2, 2], arch.DecoderConvsPerStage);
        Assert.Equal("torch.nn.modules.conv.Conv3d", arch.ConvOp);
        Assert.Equal("torch.nn.modules.instancenorm.InstanceNorm3d", arch.NormOp);
        Assert.Equal("torch.nn.LeakyReLU", arch.Nonlin);
        Assert.Equal([16, 32, 32], arch.TotalStride());
    }

    [Fact]
    public void UnknownNormalisationIsUnsupportedAndNamed()
    {
        string path = ModelFixtures.WritePlans(plans =>
            plans.Configurations()["3d_fullres"]!["normalization_schemes"] = new JsonArray("MyFancyNormalization"));

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration("3d_fullres"));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains("MyFancyNormalization", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("resampling_fn_data", "resample_torch_simple")]
    [InlineData("resampling_fn_probabilities", "resample_my_own_way")]
    public void OtherResamplingFunctionsAreUnsupported(string key, string function)
    {
        string path = ModelFixtures.WritePlans(plans => plans.Configurations()["3d_fullres"]![key] = function);

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration("3d_fullres"));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains(function, error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains("not support", error.Message);
    }

    [Fact]
    public void ResamplingKwargsDefaultToTheFunctionSignature()
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            JsonObject config = plans.Configurations()["3d_fullres"]!.AsObject();
            config["resampling_fn_data_kwargs"] = new JsonObject();
            config["resampling_fn_seg_kwargs"] = new JsonObject { ["is_seg"] = true, ["force_separate_z"] = true, ["separate_z_anisotropy_threshold"] = 3 };
        });
        ConfigurationPlan config = PlansInfo.Load(path).GetConfiguration("3d_fullres");

        Assert.Equal(new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 3, 0, false), config.ResamplingData);
        Assert.Equal(new ResamplingSpec(ResamplingSpec.DefaultFunction, true, 3, 0, true), config.ResamplingSeg);
    }

    [Theory]
    [InlineData("{\"order\": 3, \"antialias\": true}", SegErrorCode.InvalidModel, "antialias")]
    [InlineData("{\"separate_z_anisotropy_threshold\": 2.5}", SegErrorCode.Unsupported, "separate_z_anisotropy_threshold")]
    [InlineData("{\"order\": 7}", SegErrorCode.InvalidModel, "order")]
    public void BadResamplingKwargsAreErrors(string kwargs, SegErrorCode code, string named)
    {
        string path = ModelFixtures.WritePlans(plans => plans.Configurations()["3d_fullres"]!["resampling_fn_data_kwargs"] = JsonNode.Parse(kwargs));

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration("3d_fullres"));
        Assert.Equal(code, error.Code);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void PatchNotDivisibleByTheStridesIsAnError()
    {
        string path = ModelFixtures.WritePlans(plans => plans.Configurations()["3d_fullres"]!["patch_size"] = new JsonArray(48, 64, 60));

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration("3d_fullres"));
        Assert.Contains("patch_size", error.Message);
        Assert.Contains("60", error.Message);
        Assert.Contains("16", error.Message);
    }

    [Theory]
    [InlineData("[0, 1]", "[0, 1, 2]")]
    [InlineData("[0, 0, 1]", "[0, 1, 2]")]
    [InlineData("[2, 0, 1]", "[2, 0, 1]")]
    public void TransposesMustBeInversePermutations(string forward, string backward)
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            plans["transpose_forward"] = JsonNode.Parse(forward);
            plans["transpose_backward"] = JsonNode.Parse(backward);
        });

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path));
        Assert.Contains("transpose_", error.Message);
    }

    [Fact]
    public void AcceptsAValidNonIdentityTranspose()
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            plans["transpose_forward"] = new JsonArray(2, 0, 1);
            plans["transpose_backward"] = new JsonArray(1, 2, 0);
        });

        PlansInfo plans = PlansInfo.Load(path);
        Assert.Equal([2, 0, 1], plans.TransposeForward);
        Assert.Equal([1, 2, 0], plans.TransposeBackward);
    }

    [Fact]
    public void MissingFieldAndBadJsonNameTheFile()
    {
        string missing = ModelFixtures.WritePlans(plans => plans.Configurations()["3d_fullres"]!.AsObject().Remove("spacing"));
        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(missing).GetConfiguration("3d_fullres"));
        Assert.Contains(missing, error.Message);
        Assert.Contains("spacing", error.Message);

        string broken = ModelFixtures.WriteJson("{\"configurations\": ", "plans.json");
        Assert.Contains(broken, Assert.Throws<SegEngineException>(() => PlansInfo.Load(broken)).Message);
    }
}
