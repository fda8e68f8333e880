using System.Diagnostics;
using SegEngine.Conversion;
using SegEngine.Model;
using SegEngine.Perf.Common;
using SegEngine.Pipeline;

namespace SegEngine.Perf.Network;

/// <summary>
/// The model the network benchmark measures: its folder, its first fold's ONNX export (converted from the checkpoint
/// first when the fold has none, timed apart from the load), the export's signature and the network's parameter count.
/// </summary>
internal sealed record BenchmarkedModel(string Folder, string OnnxPath, OnnxSignature Signature, long ParameterCount, double ConversionSeconds)
{
    /// <summary>The default model: a synthetic ResEnc M 3d_fullres (patch 96×160×160, 14 classes), written once into <paramref name="cacheFolder"/>.</summary>
    public static string SyntheticResEncM(string cacheFolder, Action<string> log)
    {
        string folder = Path.Combine(cacheFolder, "nnUNetTrainer__nnUNetResEncUNetMPlans__3d_fullres");
        if (File.Exists(Path.Combine(folder, "fold_0", ModelFolderOptions.DefaultOnnxName)))
        {
            return folder;
        }

        log($"network: writing a synthetic ResEnc M 3d_fullres model into {folder} (once; it is reused)");
        string plans = RepositoryPaths.Combine("tests", "fixtures", "conversion", "resenc_m_plans.json");
        SyntheticModelFolder.Create(new SyntheticModelRequest(plans, "3d_fullres", Classes: 14, Seed: 1, folder, CheckpointWeights: false));
        return folder;
    }

    public static BenchmarkedModel Open(string folder)
    {
        ModelFolder model = ModelFolder.Load(folder, new ModelFolderOptions());
        FoldInfo fold = model.Folds[0];
        long start = Stopwatch.GetTimestamp();
        string onnxPath = ModelConversion.EnsureOnnx(model, fold, cacheDirectory: null, warning: null);
        double conversion = fold.OnnxPath is null ? Stopwatch.GetElapsedTime(start).TotalSeconds : 0;
        OnnxSignature signature = fold.Onnx ?? OnnxSignature.Read(onnxPath, model.Network);
        ConfigurationPlan configuration = model.Configuration;
        long parameters = UNetNetwork.Build(configuration.Architecture, model.InputChannels, model.Labels.HeadCount, configuration.PatchSize).ParameterCount;
        return new BenchmarkedModel(model.Directory, onnxPath, signature, parameters, conversion);
    }
}
