using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SegEngine.Conversion;
using SegEngine.Model;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Pipeline;

/// <summary>
/// Writes a complete nnU-Net model folder (dataset.json, plans.json, <c>fold_0/model.onnx</c>,
/// <c>fold_0/checkpoint_final.pth</c>) with deterministic random weights, so that benchmarks can run the real ResEnc
/// M/L/XL topologies with any number of classes without a trained model.
/// </summary>
internal static class SyntheticModelFolder
{
    public const int MaxClasses = 1000;

    public static SyntheticModelReport Create(SyntheticModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Classes is < 2 or > MaxClasses)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"--classes {request.Classes}: a model has 2 to {MaxClasses} classes (background included)");
        }

        var clock = Stopwatch.StartNew();
        PlansInfo plans = PlansInfo.Load(request.PlansPath);
        ConfigurationPlan configuration = plans.GetConfiguration(request.Configuration);
        int imageChannels = configuration.NormalizationSchemes.Length;
        int inputChannels = imageChannels + (configuration.PreviousStage is null ? 0 : request.Classes - 1);
        UNetNetwork network = UNetNetwork.Build(configuration.Architecture, inputChannels, request.Classes, configuration.PatchSize);
        int[] mirroringAxes = [.. Enumerable.Range(0, configuration.PatchSize.Length)];

        string foldDirectory = Path.Combine(request.OutputFolder, "fold_" + SyntheticModelRequest.Fold);
        Directory.CreateDirectory(foldDirectory);
        File.Copy(request.PlansPath, Path.Combine(request.OutputFolder, "plans.json"), overwrite: true);
        WriteDataset(Path.Combine(request.OutputFolder, "dataset.json"), configuration.NormalizationSchemes, request.Classes);

        var weights = new SyntheticWeights(request.Seed);
        string source = string.Create(CultureInfo.InvariantCulture, $"synthetic seed {request.Seed}");
        ModelConversion.Describe(network, configuration, plans.PlansName, SyntheticModelRequest.TrainerName, mirroringAxes, source, source);
        string onnxPath = Path.Combine(foldDirectory, ModelFolderOptions.DefaultOnnxName);
        long onnxBytes = OnnxExport.Write(network, onnxPath, weights.Fill);

        string checkpointPath = Path.Combine(foldDirectory, ModelFolderOptions.DefaultCheckpointName);
        TorchCheckpointWriter.Write(
            checkpointPath,
            request.CheckpointWeights ? StateDict(network, weights) : [],
            configuration.Name,
            SyntheticModelRequest.Fold,
            SyntheticModelRequest.TrainerName,
            mirroringAxes);

        // Catches plans that nnU-Net's inference would reject (e.g. CTNormalization without intensity properties).
        ModelFolder.Load(request.OutputFolder, new ModelFolderOptions { Configuration = configuration.Name, IgnoreOnnx = true });
        return new SyntheticModelReport(request.OutputFolder, onnxPath, checkpointPath, network.ClassName, network.ParameterCount, onnxBytes, clock.Elapsed);
    }

    /// <summary>Every state_dict key, aliases sharing their parameter's storage record, as torch saves them.</summary>
    private static List<TorchTensorToSave> StateDict(UNetNetwork network, SyntheticWeights weights)
    {
        var storageOf = new Dictionary<string, (string Key, NetworkParameter Parameter)>(StringComparer.Ordinal);
        foreach (NetworkParameter parameter in network.Parameters)
        {
            storageOf[parameter.Name] = (storageOf.Count.ToString(CultureInfo.InvariantCulture), parameter);
        }

        return network.StateDictKeys
            .Select(entry =>
            {
                (string storage, NetworkParameter parameter) = storageOf[entry.Value];
                return new TorchTensorToSave(entry.Key, parameter.Shape, storage, destination => weights.Fill(parameter, destination));
            })
            .ToList();
    }

    /// <summary>dataset.json with one channel per normalisation scheme (named so that planning would pick that scheme) and labels background, class_1, ….</summary>
    private static void WriteDataset(string path, NormalizationScheme[] schemes, int classes)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("channel_names");
        for (int channel = 0; channel < schemes.Length; channel++)
        {
            json.WriteString(channel.ToString(CultureInfo.InvariantCulture), ChannelName(schemes[channel]));
        }

        json.WriteEndObject();
        json.WriteStartObject("labels");
        json.WriteNumber("background", 0);
        for (int label = 1; label < classes; label++)
        {
            json.WriteNumber(string.Create(CultureInfo.InvariantCulture, $"class_{label}"), label);
        }

        json.WriteEndObject();
        json.WriteNumber("numTraining", 0);
        json.WriteString("file_ending", ".nii.gz");
        json.WriteString("name", "Synthetic");
        json.WriteString("description", "Random weights written by segengine synth-model for benchmarks; predictions are meaningless.");
        json.WriteEndObject();
    }

    /// <summary>The inverse of nnU-Net's channel-name → normalisation mapping (nnunet-parity.md §1.2).</summary>
    private static string ChannelName(NormalizationScheme scheme) =>
        scheme switch
        {
            NormalizationScheme.CTNormalization => "CT",
            NormalizationScheme.NoNormalization => "noNorm",
            NormalizationScheme.RescaleTo01Normalization => "rescale_to_0_1",
            NormalizationScheme.RGBTo01Normalization => "rgb_to_0_1",
            _ => "zscore",
        };
}
