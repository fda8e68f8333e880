using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SegEngine.Conversion;
using SegEngine.Conversion.Onnx;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Pipeline;

/// <summary>
/// Turns a fold's nnU-Net checkpoint into the ONNX model SegEngine runs, in C#: the network is rebuilt from the plans'
/// architecture and filled with the checkpoint's weights. Used by <c>segengine convert</c> and, for folds that have
/// only a checkpoint, by <see cref="SegModel.Load"/> on first use.
/// </summary>
internal static class ModelConversion
{
    /// <summary>Converts <paramref name="fold"/>'s checkpoint into <paramref name="onnxPath"/>, replacing it atomically.</summary>
    public static ConversionReport ConvertFold(ModelFolder folder, FoldInfo fold, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(fold);
        string checkpointPath = fold.CheckpointPath
            ?? throw new SegEngineException(SegErrorCode.InvalidModel, $"{fold.Directory}: there is no checkpoint to convert");
        var clock = Stopwatch.StartNew();
        TorchCheckpoint checkpoint = TorchCheckpoint.Open(checkpointPath);
        CheckpointMetadata metadata = CheckpointMetadata.FromCheckpoint(checkpoint);
        ConfigurationPlan configuration = folder.Configuration;
        UNetNetwork network = UNetNetwork.Build(configuration.Architecture, folder.InputChannels, folder.Labels.HeadCount, configuration.PatchSize);
        using CheckpointWeights weights = CheckpointWeights.Open(checkpoint, network, $"{folder.Plans.Path} (configuration '{configuration.Name}')");
        Describe(network, configuration, folder.PlansName, metadata.TrainerName ?? folder.TrainerName, metadata.MirroringAxes, Path.GetFileName(checkpointPath), Fingerprint(folder, checkpointPath));
        RemoveStaleTemporaries(Path.GetDirectoryName(Path.GetFullPath(onnxPath))!);
        long bytes = OnnxExport.Write(network, onnxPath, (parameter, destination) => weights.Fill(parameter.Name, destination));
        return new ConversionReport(onnxPath, network.ParameterCount, bytes, clock.Elapsed);
    }

    /// <summary>
    /// The ONNX model of a fold: its own, or one converted from its checkpoint, written beside the checkpoint; when that
    /// folder cannot be written, into <paramref name="cacheDirectory"/> (default: the system temp folder), reused while
    /// the checkpoint, plans and dataset.json stay the same, and said with a warning.
    /// </summary>
    public static string EnsureOnnx(ModelFolder folder, FoldInfo fold, string? cacheDirectory, Action<string>? warning)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(fold);
        if (fold.OnnxPath is string existing)
        {
            // Another run may have converted this fold while one killed during its conversion left a temporary.
            RemoveStaleTemporaries(fold.Directory);
            return existing;
        }

        string checkpointPath = fold.CheckpointPath
            ?? throw new SegEngineException(SegErrorCode.InvalidModel, $"{fold.Directory}: the fold has neither an ONNX model nor a checkpoint");
        try
        {
            return ConvertFold(folder, fold, Path.Combine(fold.Directory, ModelFolderOptions.DefaultOnnxName)).OnnxPath;
        }
        catch (SegEngineException e) when (e.Code == SegErrorCode.Io)
        {
            string fingerprint = Fingerprint(folder, checkpointPath);
            string cached = Path.Combine(cacheDirectory ?? Path.Combine(Path.GetTempPath(), "segengine", "converted"), fingerprint, ModelFolderOptions.DefaultOnnxName);
            if (!IsConversionOf(cached, fingerprint))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
                ConvertFold(folder, fold, cached);
            }

            warning?.Invoke($"{fold.Directory} cannot be written ({e.Message}); {Path.GetFileName(checkpointPath)} was converted into {cached} instead");
            return cached;
        }
    }

    /// <summary>Puts the plans facts and the weights' origin into the model's <c>metadata_props</c>.</summary>
    internal static void Describe(UNetNetwork network, ConfigurationPlan configuration, string? plansName, string? trainer, int[]? mirroringAxes, string source, string fingerprint)
    {
        List<KeyValuePair<string, string>> metadata = network.Graph.Metadata;
        metadata.Add(new(OnnxMetadataKeys.Configuration, configuration.Name));
        metadata.Add(new(OnnxMetadataKeys.PatchSize, string.Join(",", configuration.PatchSize)));
        metadata.Add(new(OnnxMetadataKeys.MirroringAxes, mirroringAxes is null ? "none" : string.Join(",", mirroringAxes)));
        metadata.Add(new(OnnxMetadataKeys.Trainer, trainer ?? ""));
        metadata.Add(new(OnnxMetadataKeys.Plans, plansName ?? ""));
        metadata.Add(new(OnnxMetadataKeys.Network, network.ClassName));
        metadata.Add(new(OnnxMetadataKeys.ParameterCount, network.ParameterCount.ToString(CultureInfo.InvariantCulture)));
        metadata.Add(new(OnnxMetadataKeys.Source, source));
        metadata.Add(new(OnnxMetadataKeys.SourceFingerprint, fingerprint));
    }

    /// <summary>
    /// Deletes what a conversion killed earlier (<c>kill -9</c>) left in <paramref name="folder"/>. Best effort: a
    /// folder that cannot be listed is reported by the write that follows, if any.
    /// </summary>
    private static void RemoveStaleTemporaries(string folder)
    {
        try
        {
            AtomicFile.RemoveStaleTemporaries(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write into this folder will fail with a clear error of its own.
        }
    }

    private static bool IsConversionOf(string onnxPath, string fingerprint)
    {
        if (!File.Exists(onnxPath))
        {
            return false;
        }

        try
        {
            return OnnxModelHeader.Read(onnxPath).Metadata.GetValueOrDefault(OnnxMetadataKeys.SourceFingerprint) == fingerprint;
        }
        catch (SegEngineException)
        {
            return false;
        }
    }

    /// <summary>Identifies the inputs of a conversion: checkpoint, plans and dataset.json (path, size, time) and the converter version.</summary>
    private static string Fingerprint(ModelFolder folder, string checkpointPath)
    {
        var text = new StringBuilder(OnnxExport.ProducerVersion);
        foreach (string file in new[] { checkpointPath, folder.Plans.Path, folder.Dataset.Path })
        {
            var info = new FileInfo(file);
            text.Append(CultureInfo.InvariantCulture, $"|{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
        }

        text.Append(CultureInfo.InvariantCulture, $"|{folder.Configuration.Name}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
