using System.Text.Json;
using System.Text.Json.Nodes;
using SegEngine.Model;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Cli;

/// <summary><c>segengine info</c> reports the reader/writer and resampling functions with the loader's own verdict.</summary>
public class InfoSupportTests
{
    [Fact]
    public void TorchResamplingIsListedAsSupported()
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        ModelFixtures.EditJson(Path.Combine(model, "plans.json"), plans => UseTorch(plans, force: null));

        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("info", "-m", model);

        Assert.True(exitCode == 0, stderr);
        string[] lines = stdout.Split('\n');
        Assert.Contains(lines, l => l.Trim().StartsWith("data", StringComparison.Ordinal)
            && l.EndsWith("resample_torch_fornnunet(is_seg=False, force_separate_z=None, memefficient_seg_resampling=False): supported", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim().StartsWith("segmentation", StringComparison.Ordinal)
            && l.EndsWith("resample_torch_fornnunet(is_seg=True, force_separate_z=None, memefficient_seg_resampling=False): supported", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("reader/writer", StringComparison.Ordinal) && l.EndsWith("NibabelIO: supported", StringComparison.Ordinal));
    }

    [Fact]
    public void UnsupportedFunctionsAreDescribedByInfoAndRefusedByTheLoaderForTheSameReason()
    {
        string model = ModelFixtures.CopySample("3d_fullres");
        ModelFixtures.EditJson(Path.Combine(model, "plans.json"), plans =>
        {
            JsonObject config = plans.Configurations()["3d_fullres"]!.AsObject();
            config["resampling_fn_seg"] = "my_own_resampling";
            config["resampling_fn_seg_kwargs"] = new JsonObject();
            config["resampling_fn_probabilities_kwargs"]!["separate_z_anisotropy_threshold"] = 2.5;
            plans["image_reader_writer"] = "Tiff3DIOThatDoesNotExist";
        });

        (int exitCode, string stdout, string stderr) = SegEngineProcess.Run("info", "-m", model, "--json");

        Assert.True(exitCode == 0, stderr);
        JsonElement root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("supported", root.GetProperty("resampling_data_support").GetString());
        string seg = root.GetProperty("resampling_seg_support").GetString()!;
        Assert.StartsWith("not supported: ", seg, StringComparison.Ordinal);
        Assert.Contains("my_own_resampling", seg, StringComparison.Ordinal);
        Assert.Contains("separate_z_anisotropy_threshold", root.GetProperty("resampling_probabilities_support").GetString(), StringComparison.Ordinal);
        Assert.Contains("Tiff3DIOThatDoesNotExist", root.GetProperty("image_reader_writer_support").GetString(), StringComparison.Ordinal);

        var refused = Assert.Throws<SegEngineException>(() => ModelFolder.Load(model));
        Assert.Equal(SegErrorCode.Unsupported, refused.Code);
        Assert.Equal(seg["not supported: ".Length..], refused.Message);
    }

    internal static void UseTorch(JsonObject plans, bool? force, bool memoryEfficient = false)
    {
        JsonObject config = plans.Configurations()["3d_fullres"]!.AsObject();
        foreach ((string key, bool isSeg) in new[] { ("resampling_fn_data", false), ("resampling_fn_seg", true), ("resampling_fn_probabilities", false) })
        {
            config[key] = ResamplingSpec.TorchFunction;
            config[key + "_kwargs"] = new JsonObject
            {
                ["is_seg"] = isSeg,
                ["force_separate_z"] = force,
                ["memefficient_seg_resampling"] = memoryEfficient,
            };
        }
    }
}
