using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SegEngine.Conversion;
using SegEngine.Conversion.Onnx;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Pipeline;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine info -m FOLDER [-c CONFIG] [-f FOLDS...] [-chk NAME] [--json]</c>: loads a model folder, checks it
/// (plans, dataset.json, checkpoints, ONNX exports) and prints what inference would use.
/// </summary>
internal static class InfoCommand
{
    private const int LabelWidth = 20;

    public static Command Create()
    {
        var modelArguments = new ModelArguments();
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON" };
        var planImage = new Option<string?>("--plan-image") { Description = "Also print the memory plan for an image of this shape, z x y x x in array order (e.g. 300x512x512); opens the ONNX sessions" };
        var planSpacing = new Option<string?>("--plan-spacing") { Description = "The planned image's spacing in the same order (default: the configuration's target spacing)" };
        var memoryBudget = new Option<double>("--memory-budget") { Description = "Plan for this host memory budget in GB (0: unlimited)" };
        var disableTta = new Option<bool>("--disable_tta", "--disable-tta") { Description = "Plan without mirroring" };
        var graphRewrite = new Option<bool>("--graph-rewrite") { Description = "Plan for the CPU's depth-slice rewrite of the ONNX's 3-D convolutions" };
        var cuda = new CudaArguments();

        var command = new Command("info", "Check a trained nnU-Net model folder and print its configuration.");
        modelArguments.AddTo(command);
        command.Add(json);
        command.Add(planImage);
        command.Add(planSpacing);
        command.Add(memoryBudget);
        command.Add(disableTta);
        command.Add(graphRewrite);
        cuda.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            ModelFolder folder = ModelFolder.Load(
                modelArguments.ModelPath(parse),
                modelArguments.FolderOptions(parse) with { AllowIncompleteFolds = true, DescribeUnsupported = true });
            CudaProviderSettings cudaSettings = CudaProviderSettings.From(cuda.Apply(parse, new InferenceOptions()));
            Console.Out.Write(parse.GetValue(json) ? FormatJson(folder, cudaSettings) : FormatText(folder, cudaSettings));
            if (parse.GetValue(planImage) is string shapeText)
            {
                Shape3 shape = Shape3.FromArray(ParseTriple(shapeText, "--plan-image").Select(v => (int)v).ToArray());
                double[] spacing = parse.GetValue(planSpacing) is string spacingText
                    ? ParseTriple(spacingText, "--plan-spacing")
                    : DefaultSpacing(folder.Configuration);
                var inference = new InferenceOptions { MemoryBudgetGb = parse.GetValue(memoryBudget), UseMirroring = !parse.GetValue(disableTta), Device = InferenceDevice.Cpu, GraphRewrite = parse.GetValue(graphRewrite) };
                using SegModel model = SegModel.Load(
                    modelArguments.ModelPath(parse),
                    new SegModelOptions { Configuration = folder.Configuration.Name, Folds = modelArguments.FolderOptions(parse).Folds, Inference = inference });
                Console.Out.WriteLine($"memory plan for {shape} at spacing {string.Join(" x ", spacing.Select(Number))}:");
                Console.Out.WriteLine(model.PlanMemory(shape, spacing));
            }

            return CommandRunner.Success;
        }));
        return command;
    }

    /// <summary>Parses "AxBxC" (or "A,B,C") into three positive numbers.</summary>
    private static double[] ParseTriple(string text, string flag)
    {
        string[] parts = text.Split('x', ',');
        double[] values = new double[parts.Length];
        bool valid = parts.Length == 3;
        for (int i = 0; valid && i < 3; i++)
        {
            valid = double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) && values[i] > 0 && double.IsFinite(values[i]);
        }

        return valid ? values : throw new UsageException($"{flag} {text}: expected three positive numbers such as 300x512x512");
    }

    /// <summary>The target spacing as a 3-D spacing; 2-D configurations keep axis 0 at 1 (it is never resampled).</summary>
    private static double[] DefaultSpacing(ConfigurationPlan configuration) =>
        configuration.Spacing.Length == 3 ? configuration.Spacing : [1.0, .. configuration.Spacing];

    internal static string FormatText(ModelFolder folder, CudaProviderSettings cuda)
    {
        var text = new StringBuilder();
        void Line(string label, string value) =>
            text.Append(CultureInfo.InvariantCulture, $"{(value.Length == 0 ? label : label.PadRight(LabelWidth) + value)}\n");

        ConfigurationPlan config = folder.Configuration;
        PlansInfo plans = folder.Plans;
        LabelManager labels = folder.Labels;
        Line("model folder", folder.Directory);
        Line("trainer", folder.TrainerName ?? "(unknown)");
        Line("plans", $"{folder.PlansName ?? "(unknown)"} (dataset {plans.DatasetName ?? "(unnamed)"})");
        Line("configuration", config.Name + (config.Is2D ? " (2-D)" : " (3-D)"));
        Line("patch size", string.Join(" x ", config.PatchSize));
        Line("target spacing", string.Join(" x ", config.Spacing.Select(Number)));
        Line("input channels", folder.InputChannels.ToString(CultureInfo.InvariantCulture));
        Line("normalisation", "");
        for (int channel = 0; channel < config.NormalizationSchemes.Length; channel++)
        {
            Line($"  channel {channel}", DescribeChannel(folder, channel));
        }

        Line("labels", string.Join(", ", labels.Labels.Select(entry => $"{entry.Key}={FormatValues(entry.Value)}")));
        Line("heads", $"{labels.HeadCount} ({(labels.HasRegions ? "sigmoid regions" : "softmax labels")}: {string.Join(", ", labels.HeadNames)})");
        if (labels.HasRegions)
        {
            Line("regions", string.Join(", ", labels.Regions.Select(FormatValues)));
            Line("regions class order", string.Join(", ", labels.RegionsClassOrder));
        }

        Line("ignore label", labels.IgnoreLabel?.ToString(CultureInfo.InvariantCulture) ?? "none");
        Line("file ending", folder.Dataset.FileEnding);
        Line("reader/writer", $"{plans.ImageReaderWriter}: {Support(ReaderProblem(plans.ImageReaderWriter))}");
        Line("transpose", $"forward [{string.Join(", ", plans.TransposeForward)}], backward [{string.Join(", ", plans.TransposeBackward)}]");
        Line("resampling", "");
        Line("  data", $"{FormatResampling(config.ResamplingData)}: {Support(config.ResamplingData.Unsupported)}");
        Line("  segmentation", $"{FormatResampling(config.ResamplingSeg)}: {Support(config.ResamplingSeg.Unsupported)}");
        Line("  probabilities", $"{FormatResampling(config.ResamplingProbabilities)}: {Support(config.ResamplingProbabilities.Unsupported)}");

        ArchitectureSummary arch = config.Architecture;
        Line("architecture", $"{arch.ShortClassName}, {arch.StageCount} stages{(arch.ConvertedFromLegacyPlans ? " (converted from legacy plans)" : "")}");
        Line("  features", string.Join(", ", arch.FeaturesPerStage));
        Line("  kernel sizes", string.Join(" ", arch.KernelSizes.Select(FormatValues)));
        Line("  strides", string.Join(" ", arch.Strides.Select(FormatValues)));
        Line("  blocks per stage", string.Join(", ", arch.BlocksPerStage));
        Line("  decoder convs", string.Join(", ", arch.DecoderConvsPerStage));
        Line("  ops", $"{ShortName(arch.ConvOp)} (bias {(arch.ConvBias ? "on" : "off")}), {ShortName(arch.NormOp)}, {ShortName(arch.Nonlin)}");
        Line("cascade", $"previous stage {config.PreviousStage ?? "none"}, next stage {config.NextStage ?? "none"}");
        Line("mirroring axes", folder.Folds[0].Checkpoint is null
            ? "unknown (the first fold has no checkpoint)"
            : folder.MirroringAxes is int[] axes ? $"({string.Join(", ", axes)})" : "none");

        Line("folds", string.Join(", ", folder.Folds.Select(fold => fold.Name)));
        foreach (FoldInfo fold in folder.Folds)
        {
            string onnx = fold.OnnxPath is null
                ? fold.CheckpointPath is null ? "no ONNX" : "no ONNX (predict converts the checkpoint on first use)"
                : $"ONNX {Path.GetFileName(fold.OnnxPath)}{DescribeOrigin(fold.Onnx)}";
            string checkpoint = fold.Checkpoint is { } meta
                ? $"checkpoint {Path.GetFileName(meta.Path)} (trainer {meta.TrainerName ?? "?"}, configuration {meta.Configuration ?? "?"}, epoch {meta.Epoch?.ToString(CultureInfo.InvariantCulture) ?? "?"})"
                : "no checkpoint";
            if (fold.Checkpoint?.BestEmaDice is double ema)
            {
                checkpoint += string.Create(CultureInfo.InvariantCulture, $", best EMA Dice {ema:F4}");
            }
            Line($"  {fold.Name}", $"{Contents(fold)}: {onnx}, {checkpoint}");
            if (fold.Onnx is OnnxSignature info)
            {
                foreach (OnnxTensorInfo input in info.Header.Inputs)
                {
                    Line("    input", $"{input.Name} {input.ElementType} {input.FormatShape()}");
                }

                foreach (OnnxTensorInfo output in info.Header.Outputs)
                {
                    Line("    output", $"{output.Name} {output.ElementType} {output.FormatShape()}");
                }

                Line("    batch", info.DynamicBatch ? "dynamic" : $"fixed {info.FixedBatchSize}");
            }
        }

        Line("onnx runtime", $"{OnnxRuntimeInfo.Version} ({string.Join(", ", OnnxRuntimeInfo.AvailableProviders)})");
        Line("cuda", CudaAvailability.Summary());
        Line("cuda options", cuda.ToString());
        foreach (string warning in folder.Warnings)
        {
            Line("warning", warning);
        }

        return text.ToString();
    }

    internal static string FormatJson(ModelFolder folder, CudaProviderSettings cuda)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            ConfigurationPlan config = folder.Configuration;
            LabelManager labels = folder.Labels;
            ArchitectureSummary arch = config.Architecture;
            json.WriteStartObject();
            json.WriteString("model_folder", folder.Directory);
            json.WriteString("trainer", folder.TrainerName);
            json.WriteString("plans", folder.PlansName);
            json.WriteString("dataset", folder.Plans.DatasetName);
            json.WriteString("configuration", config.Name);
            WriteArray(json, "patch_size", config.PatchSize.Select(v => (double)v));
            WriteArray(json, "spacing", config.Spacing);
            json.WriteNumber("input_channels", folder.InputChannels);
            json.WriteStartArray("channels");
            for (int channel = 0; channel < config.NormalizationSchemes.Length; channel++)
            {
                json.WriteStartObject();
                json.WriteString("name", folder.Dataset.ChannelNames[channel]);
                json.WriteString("normalization", config.NormalizationSchemes[channel].ToString());
                json.WriteBoolean("use_mask_for_norm", config.UseMaskForNorm[channel]);
                if (channel < folder.Plans.IntensityProperties.Count)
                {
                    IntensityProperties p = folder.Plans.IntensityProperties[channel];
                    json.WriteStartObject("intensity_properties");
                    json.WriteNumber("mean", p.Mean);
                    json.WriteNumber("std", p.Std);
                    json.WriteNumber("percentile_00_5", p.Percentile00_5);
                    json.WriteNumber("percentile_99_5", p.Percentile99_5);
                    json.WriteNumber("median", p.Median);
                    json.WriteNumber("min", p.Min);
                    json.WriteNumber("max", p.Max);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("labels");
            foreach (KeyValuePair<string, int[]> entry in labels.Labels)
            {
                WriteArray(json, entry.Key, entry.Value.Select(v => (double)v));
            }

            json.WriteEndObject();
            json.WriteNumber("heads", labels.HeadCount);
            json.WriteBoolean("has_regions", labels.HasRegions);
            WriteArray(json, "regions_class_order", labels.RegionsClassOrder.Select(v => (double)v));
            if (labels.IgnoreLabel is int ignore)
            {
                json.WriteNumber("ignore_label", ignore);
            }

            json.WriteString("file_ending", folder.Dataset.FileEnding);
            json.WriteString("image_reader_writer", folder.Plans.ImageReaderWriter);
            json.WriteString("image_reader_writer_support", Support(ReaderProblem(folder.Plans.ImageReaderWriter)));
            WriteArray(json, "transpose_forward", folder.Plans.TransposeForward.Select(v => (double)v));
            WriteArray(json, "transpose_backward", folder.Plans.TransposeBackward.Select(v => (double)v));
            json.WriteString("resampling_data", FormatResampling(config.ResamplingData));
            json.WriteString("resampling_seg", FormatResampling(config.ResamplingSeg));
            json.WriteString("resampling_probabilities", FormatResampling(config.ResamplingProbabilities));
            json.WriteString("resampling_data_support", Support(config.ResamplingData.Unsupported));
            json.WriteString("resampling_seg_support", Support(config.ResamplingSeg.Unsupported));
            json.WriteString("resampling_probabilities_support", Support(config.ResamplingProbabilities.Unsupported));
            json.WriteStartObject("architecture");
            json.WriteString("network_class_name", arch.NetworkClassName);
            json.WriteNumber("n_stages", arch.StageCount);
            WriteArray(json, "features_per_stage", arch.FeaturesPerStage.Select(v => (double)v));
            WriteArray(json, "blocks_per_stage", arch.BlocksPerStage.Select(v => (double)v));
            WriteArray(json, "n_conv_per_stage_decoder", arch.DecoderConvsPerStage.Select(v => (double)v));
            json.WriteEndObject();
            json.WriteString("previous_stage", config.PreviousStage);
            json.WriteString("next_stage", config.NextStage);
            if (folder.MirroringAxes is int[] axes)
            {
                WriteArray(json, "mirroring_axes", axes.Select(v => (double)v));
            }
            else
            {
                json.WriteNull("mirroring_axes");
            }

            json.WriteStartArray("folds");
            foreach (FoldInfo fold in folder.Folds)
            {
                json.WriteStartObject();
                json.WriteString("name", fold.Name);
                json.WriteString("onnx", fold.OnnxPath);
                json.WriteString("checkpoint", fold.CheckpointPath);
                json.WriteString("contents", Contents(fold));
                if (fold.Onnx is OnnxSignature info)
                {
                    json.WriteBoolean("dynamic_batch", info.DynamicBatch);
                    WriteTensors(json, "inputs", info.Header.Inputs);
                    WriteTensors(json, "outputs", info.Header.Outputs);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("onnxruntime_version", OnnxRuntimeInfo.Version);
            json.WriteStartArray("providers");
            foreach (string provider in OnnxRuntimeInfo.AvailableProviders)
            {
                json.WriteStringValue(provider);
            }

            json.WriteEndArray();
            json.WriteStartObject("cuda");
            json.WriteString("status", CudaAvailability.Summary());
            json.WriteStartObject("provider_options");
            foreach ((string name, string value) in cuda.Options)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("warnings");
            foreach (string warning in folder.Warnings)
            {
                json.WriteStringValue(warning);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Whether a fold has an ONNX model, a checkpoint, or both.</summary>
    private static string Contents(FoldInfo fold) =>
        (fold.OnnxPath, fold.CheckpointPath) switch
        {
            (not null, not null) => "ONNX and checkpoint",
            (not null, null) => "ONNX only",
            (null, not null) => "checkpoint only",
            _ => "neither",
        };

    private static string DescribeOrigin(OnnxSignature? onnx) =>
        onnx?.Header.Metadata.GetValueOrDefault(OnnxMetadataKeys.Source) is string source
            ? $" (made by {onnx.Header.ProducerName} from {source})"
            : onnx is { Header.ProducerName.Length: > 0 } ? $" (made by {onnx.Header.ProducerName})" : "";

    private static void WriteTensors(Utf8JsonWriter json, string name, IReadOnlyList<OnnxTensorInfo> tensors)
    {
        json.WriteStartArray(name);
        foreach (OnnxTensorInfo tensor in tensors)
        {
            json.WriteStartObject();
            json.WriteString("name", tensor.Name);
            json.WriteString("element_type", tensor.ElementType);
            json.WriteString("shape", tensor.FormatShape());
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (double value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private static string DescribeChannel(ModelFolder folder, int channel)
    {
        ConfigurationPlan config = folder.Configuration;
        string text = $"'{folder.Dataset.ChannelNames[channel]}': {config.NormalizationSchemes[channel]}, use_mask_for_norm {(config.UseMaskForNorm[channel] ? "true" : "false")}";
        if (config.NormalizationSchemes[channel] == NormalizationScheme.CTNormalization)
        {
            IntensityProperties p = folder.Plans.IntensityProperties[channel];
            text += $"; clip [{Number(p.Percentile00_5)}, {Number(p.Percentile99_5)}], mean {Number(p.Mean)}, std {Number(p.Std)}";
        }

        return text;
    }

    private static string FormatResampling(ResamplingSpec spec)
    {
        string separateZ = $"force_separate_z={(spec.ForceSeparateZ is bool force ? Bool(force) : "None")}";
        return spec.IsNoResampling ? $"{spec.FunctionName}()"
            : !ResamplingFunctions.Implemented.Contains(spec.FunctionName) ? $"{spec.FunctionName}(...)"
            : spec.IsTorch ? $"{spec.FunctionName}(is_seg={Bool(spec.IsSeg)}, {separateZ}, memefficient_seg_resampling={Bool(spec.MemoryEfficientSeg)})"
            : $"{spec.FunctionName}(is_seg={Bool(spec.IsSeg)}, order={spec.Order}, order_z={spec.OrderZ}, {separateZ})";
    }

    /// <summary>"supported", or "not supported: " and the reason the loader or the case reader gives when it refuses.</summary>
    private static string Support(string? problem) => problem is null ? "supported" : $"not supported: {problem}";

    /// <summary>Why prediction would refuse the reader: the reader factory itself is asked, so info and prediction never disagree.</summary>
    private static string? ReaderProblem(string name)
    {
        try
        {
            ImageReaderWriters.Create(name);
            return null;
        }
        catch (SegEngineException error) when (error.Code == SegErrorCode.Unsupported)
        {
            return error.Message;
        }
    }

    private static string Bool(bool value) => value ? "True" : "False";

    private static string FormatValues(int[] values) =>
        values.Length == 1 ? values[0].ToString(CultureInfo.InvariantCulture) : $"[{string.Join(",", values)}]";

    private static string ShortName(string? dotted) => dotted is null ? "none" : dotted[(dotted.LastIndexOf('.') + 1)..];

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
