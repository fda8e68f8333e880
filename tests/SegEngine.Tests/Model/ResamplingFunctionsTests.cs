using System.Text.Json.Nodes;
using SegEngine.Model;

namespace SegEngine.Tests.Model;

public class ResamplingFunctionsTests
{
    [Fact]
    public void TorchKwargsAsTheTorchresPlannersWriteThem()
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            JsonObject config = plans.Configurations()["3d_fullres"]!.AsObject();
            config["resampling_fn_data"] = ResamplingSpec.TorchFunction;
            config["resampling_fn_data_kwargs"] = JsonNode.Parse("""{"is_seg": false, "force_separate_z": null, "memefficient_seg_resampling": false, "separate_z_anisotropy_threshold": 3}""");
            config["resampling_fn_seg"] = ResamplingSpec.TorchFunction;
            config["resampling_fn_seg_kwargs"] = JsonNode.Parse("""{"is_seg": true, "force_separate_z": false, "memefficient_seg_resampling": true, "num_threads": 8}""");
            config["resampling_fn_probabilities"] = ResamplingSpec.NoResamplingFunction;
            config["resampling_fn_probabilities_kwargs"] = new JsonObject();
        });

        ConfigurationPlan config = PlansInfo.Load(path).GetConfiguration("3d_fullres");

        Assert.Equal(new ResamplingSpec(ResamplingSpec.TorchFunction, false, 1, 0, null), config.ResamplingData);
        Assert.Equal(new ResamplingSpec(ResamplingSpec.TorchFunction, true, 1, 0, false) { MemoryEfficientSeg = true }, config.ResamplingSeg);
        Assert.True(config.ResamplingProbabilities.IsNoResampling);
        Assert.All(config.AllResampling, spec => Assert.Null(spec.Unsupported));
    }

    [Fact]
    public void TorchDefaultsFollowItsSignature()
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            plans.Configurations()["3d_fullres"]!["resampling_fn_data"] = ResamplingSpec.TorchFunction;
            plans.Configurations()["3d_fullres"]!["resampling_fn_data_kwargs"] = new JsonObject();
        });

        // resample_torch_fornnunet's force_separate_z defaults to None, the SciPy function's to False.
        Assert.Equal(new ResamplingSpec(ResamplingSpec.TorchFunction, false, 1, 0, null), PlansInfo.Load(path).GetConfiguration("3d_fullres").ResamplingData);
    }

    [Theory]
    [InlineData(ResamplingSpec.TorchFunction, """{"mode": "area"}""", "mode")]
    [InlineData(ResamplingSpec.TorchFunction, """{"aniso_axis_mode": "nearest"}""", "aniso_axis_mode")]
    [InlineData(ResamplingSpec.TorchFunction, """{"is_seg": true}""", "is_seg=True")]
    [InlineData(ResamplingSpec.DefaultFunction, """{"order": 2}""", "order 2")]
    public void UnimplementedChoicesAreKeptForInfoAndRefusedByDefault(string function, string kwargs, string named)
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            plans.Configurations()["3d_fullres"]!["resampling_fn_data"] = function;
            plans.Configurations()["3d_fullres"]!["resampling_fn_data_kwargs"] = JsonNode.Parse(kwargs);
        });

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration("3d_fullres"));
        Assert.Equal(SegErrorCode.Unsupported, error.Code);
        Assert.Contains(named, error.Message);
        ResamplingSpec kept = PlansInfo.Load(path).GetConfiguration("3d_fullres", refuseUnsupported: false).ResamplingData;
        Assert.Equal(error.Message, kept.Unsupported);
    }

    [Theory]
    [InlineData(ResamplingSpec.NoResamplingFunction, """{"is_seg": false}""")]
    [InlineData(ResamplingSpec.TorchFunction, """{"order": 1}""")]
    public void ArgumentsOutsideTheSignatureAreModelErrors(string function, string kwargs)
    {
        string path = ModelFixtures.WritePlans(plans =>
        {
            plans.Configurations()["3d_fullres"]!["resampling_fn_data"] = function;
            plans.Configurations()["3d_fullres"]!["resampling_fn_data_kwargs"] = JsonNode.Parse(kwargs);
        });

        var error = Assert.Throws<SegEngineException>(() => PlansInfo.Load(path).GetConfiguration("3d_fullres", refuseUnsupported: false));
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(function, error.Message);
    }
}
