using System.Globalization;
using SegEngine.Conversion.Onnx;
using SegEngine.Model;

namespace SegEngine.Conversion;

/// <summary>
/// The network nnU-Net builds from a configuration's <c>architecture</c> (ResidualEncoderUNet or PlainConvUNet of
/// dynamic-network-architectures), as its state_dict (canonical parameters and every aliased key) and as an ONNX graph
/// <c>input</c> (N×C×patch, dynamic N) → <c>logits</c> (N×K×patch) with deep supervision off.
/// </summary>
/// <remarks>
/// Topology of nnunet-parity.md §6: stem and residual blocks with the stride in conv1 of block 0, AvgPool + 1×1 conv + norm
/// skips, transposed-conv upsampling concatenated before the skip, only the last seg layer applied. State-dict order and
/// aliases of nnunet-parity.md §6.1: every ConvDropoutNormReLU also registers <c>all_modules.i</c>, the decoder repeats the encoder under
/// <c>decoder.encoder.</c>.
/// </remarks>
internal sealed class UNetNetwork
{
    public const string InputName = "input";
    public const string OutputName = "logits";

    private UNetNetwork(
        string className,
        IReadOnlyList<NetworkParameter> parameters,
        IReadOnlyList<KeyValuePair<string, string>> stateDictKeys,
        OnnxGraphBuilder graph)
    {
        ClassName = className;
        Parameters = parameters;
        StateDictKeys = stateDictKeys;
        Graph = graph;
        ParameterCount = parameters.Sum(parameter => parameter.ElementCount);
    }

    /// <summary><c>ResidualEncoderUNet</c> or <c>PlainConvUNet</c>.</summary>
    public string ClassName { get; }

    /// <summary>Every learnable tensor once, under its canonical name, in state_dict order (seg layers of deep supervision included).</summary>
    public IReadOnlyList<NetworkParameter> Parameters { get; }

    /// <summary>Every key of the network's state_dict in torch's order, each with the canonical name it aliases (itself when canonical).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> StateDictKeys { get; }

    /// <summary>The inference graph; its initializers named after parameters take their values from them.</summary>
    public OnnxGraphBuilder Graph { get; }

    /// <summary>Learnable scalars, as <c>sum(p.numel() for p in network.parameters())</c> counts them.</summary>
    public long ParameterCount { get; }

    /// <summary>
    /// Builds the network of <paramref name="architecture"/> for <paramref name="inputChannels"/> inputs,
    /// <paramref name="classes"/> heads and tiles of <paramref name="patchSize"/>. An architecture the builder does not
    /// implement is an <see cref="SegErrorCode.Unsupported"/> error naming the plans key.
    /// </summary>
    public static UNetNetwork Build(ArchitectureSummary architecture, int inputChannels, int classes, IReadOnlyList<int> patchSize)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        var builder = new Builder(architecture, patchSize.Count);
        builder.Validate();
        return builder.Build(inputChannels, classes, patchSize);
    }

    private sealed class Builder
    {
        private const string Residual = "ResidualEncoderUNet";
        private const string Plain = "PlainConvUNet";

        private readonly ArchitectureSummary arch;
        private readonly int dims;
        private readonly OnnxGraphBuilder graph;
        private readonly List<NetworkParameter> parameters = [];
        private readonly List<KeyValuePair<string, string>> keys = [];

        public Builder(ArchitectureSummary architecture, int spatialDims)
        {
            arch = architecture;
            dims = spatialDims;
            graph = new OnnxGraphBuilder(architecture.ShortClassName);
        }

        private bool HasNorm => arch.NormOp is not null;

        private bool HasNonlin => arch.Nonlin is not null;

        private bool IsResidual => arch.ShortClassName == Residual;

        public void Validate()
        {
            if (arch.ShortClassName is not (Residual or Plain))
            {
                throw Unsupported("network_class_name", $"'{arch.NetworkClassName}' cannot be converted (only {Residual} and {Plain})");
            }

            if (arch.UnknownKwargs.Count > 0)
            {
                throw Unsupported(arch.UnknownKwargs[0], $"is not an argument of {arch.ShortClassName} that SegEngine converts");
            }

            string expectedConv = $"Conv{dims}d";
            if (!arch.ConvOp.EndsWith("." + expectedConv, StringComparison.Ordinal))
            {
                throw Unsupported("conv_op", $"is '{arch.ConvOp}', but the {dims}-D patch needs torch.nn.{expectedConv}");
            }

            if (arch.NormOp is string norm && !norm.EndsWith($".InstanceNorm{dims}d", StringComparison.Ordinal))
            {
                throw Unsupported("norm_op", $"is '{norm}'; only InstanceNorm{dims}d (or none) is converted");
            }

            if (arch.NormTracksRunningStats)
            {
                throw Unsupported("norm_op_kwargs.track_running_stats", "is true; running statistics are not converted");
            }

            if (arch.Nonlin is string nonlin && !nonlin.EndsWith(".LeakyReLU", StringComparison.Ordinal) && !nonlin.EndsWith(".ReLU", StringComparison.Ordinal))
            {
                throw Unsupported("nonlin", $"is '{nonlin}'; only LeakyReLU, ReLU or none are converted");
            }

            if (arch.Block is string block && !block.EndsWith(".BasicBlockD", StringComparison.Ordinal))
            {
                throw Unsupported("block", $"is '{block}'; only BasicBlockD is converted");
            }

            if (arch.StemChannels is int stem && (!IsResidual || stem < 1))
            {
                throw Unsupported("stem_channels", $"is {stem}; it must be positive and belongs to {Residual}");
            }

            if (arch.NonlinFirst && IsResidual)
            {
                throw Unsupported("nonlin_first", $"is not an argument of {Residual}");
            }

            if (arch.BlocksPerStage.Any(count => count < 1) || arch.DecoderConvsPerStage.Any(count => count < 1))
            {
                throw Unsupported(IsResidual ? "n_blocks_per_stage" : "n_conv_per_stage", "needs at least one block or conv per stage");
            }
        }

        public UNetNetwork Build(int inputChannels, int classes, IReadOnlyList<int> patchSize)
        {
            long[] spatial = patchSize.Select(size => (long)size).ToArray();
            graph.Inputs.Add(new OnnxTensorType(InputName, [null, inputChannels, .. spatial]));
            graph.Outputs.Add(new OnnxTensorType(OutputName, [null, classes, .. spatial]));

            int[] features = arch.FeaturesPerStage;
            int stages = arch.StageCount;
            var skips = new string[stages];
            string x = InputName;
            int channels = inputChannels;
            if (IsResidual)
            {
                int stemChannels = arch.StemChannels ?? features[0];
                x = ConvNormNonlin(x, "encoder.stem.convs.0", channels, stemChannels, arch.KernelSizes[0], Ones(), arch.ConvBias, withDropout: true, withNonlin: true);
                channels = stemChannels;
                for (int s = 0; s < stages; s++)
                {
                    for (int b = 0; b < arch.BlocksPerStage[s]; b++)
                    {
                        x = BasicBlock(x, $"encoder.stages.{s}.blocks.{b}", b == 0 ? channels : features[s], features[s], arch.KernelSizes[s], b == 0 ? arch.Strides[s] : Ones());
                    }

                    skips[s] = x;
                    channels = features[s];
                }
            }
            else
            {
                for (int s = 0; s < stages; s++)
                {
                    for (int c = 0; c < arch.BlocksPerStage[s]; c++)
                    {
                        x = ConvNormNonlin(x, $"encoder.stages.{s}.0.convs.{c}", c == 0 ? channels : features[s], features[s], arch.KernelSizes[s], c == 0 ? arch.Strides[s] : Ones(), arch.ConvBias, withDropout: true, withNonlin: true);
                    }

                    skips[s] = x;
                    channels = features[s];
                }
            }

            for (int j = 0; j < stages - 1; j++)
            {
                int below = features[stages - 1 - j];
                int skip = features[stages - 2 - j];
                int[] stride = arch.Strides[stages - 1 - j];
                string up = TransposedConv(x, $"decoder.transpconvs.{j}", below, skip, stride);
                x = graph.AddNode($"decoder.stages.{j}.concat", "Concat", [up, skips[stages - 2 - j]], [OnnxAttribute.Of("axis", 1L)]);
                for (int c = 0; c < arch.DecoderConvsPerStage[j]; c++)
                {
                    x = ConvNormNonlin(x, $"decoder.stages.{j}.convs.{c}", c == 0 ? 2 * skip : skip, skip, arch.KernelSizes[stages - 2 - j], Ones(), arch.ConvBias, withDropout: true, withNonlin: true);
                }
            }

            for (int j = 0; j < stages - 1; j++)
            {
                int skip = features[stages - 2 - j];
                string prefix = $"decoder.seg_layers.{j}";
                int[] kernel = Ones();
                // Deep supervision is off at inference: only the full-resolution head runs; the others are loaded, unused.
                bool last = j == stages - 2;
                string weight = Parameter($"{prefix}.weight", [classes, skip, .. kernel], ParameterRole.Kernel, skip, inGraph: last);
                string bias = Parameter($"{prefix}.bias", [classes], ParameterRole.Bias, 0, inGraph: last);
                if (last)
                {
                    graph.AddNode(prefix, "Conv", [x, weight, bias], ConvAttributes(kernel, kernel), OutputName);
                }
            }

            return Finish();
        }

        /// <summary>BasicBlockD: conv1 (stride) → conv2 (no nonlin), plus the skip, then the nonlin.</summary>
        private string BasicBlock(string x, string prefix, int inChannels, int outChannels, int[] kernel, int[] stride)
        {
            string main = ConvNormNonlin(x, $"{prefix}.conv1", inChannels, outChannels, kernel, stride, arch.ConvBias, withDropout: true, withNonlin: true);
            main = ConvNormNonlin(main, $"{prefix}.conv2", outChannels, outChannels, kernel, Ones(), arch.ConvBias, withDropout: false, withNonlin: false);

            string skip = x;
            bool strided = stride.Any(s => s != 1);
            if (strided)
            {
                // AvgPool(kernel = stride = s), no padding: torch's ceil_mode=False and count_include_pad are moot without padding.
                skip = graph.AddNode($"{prefix}.skip.0", "AveragePool", [skip], [OnnxAttribute.Of("kernel_shape", stride), OnnxAttribute.Of("strides", stride)]);
            }

            if (inChannels != outChannels)
            {
                skip = ConvNormNonlin(skip, $"{prefix}.skip.{(strided ? 1 : 0)}", inChannels, outChannels, Ones(), Ones(), bias: false, withDropout: false, withNonlin: false);
            }

            string sum = graph.AddNode($"{prefix}.add", "Add", [main, skip]);
            return Nonlin(sum, $"{prefix}.nonlin2");
        }

        /// <summary>ConvDropoutNormReLU: conv with "same" padding (k−1)/2, [dropout: identity], norm, [nonlin]; nonlin_first swaps the last two.</summary>
        private string ConvNormNonlin(string x, string prefix, int inChannels, int outChannels, int[] kernel, int[] stride, bool bias, bool withDropout, bool withNonlin)
        {
            int fanIn = inChannels * kernel.Aggregate(1, (a, b) => a * b);
            string weight = Parameter($"{prefix}.conv.weight", [outChannels, inChannels, .. kernel], ParameterRole.Kernel, fanIn);
            string? biasName = bias ? Parameter($"{prefix}.conv.bias", [outChannels], ParameterRole.Bias, 0) : null;
            x = graph.AddNode($"{prefix}.conv", "Conv", biasName is null ? [x, weight] : [x, weight, biasName], ConvAttributes(kernel, stride));

            bool nonlinFirst = arch.NonlinFirst && withNonlin && HasNorm && HasNonlin;
            if (nonlinFirst)
            {
                x = Nonlin(x, $"{prefix}.nonlin");
            }

            int normIndex = 1 + (withDropout && arch.DropoutOp is not null ? 1 : 0) + (nonlinFirst ? 1 : 0);
            if (HasNorm)
            {
                string scale;
                string shift;
                if (arch.NormAffine)
                {
                    scale = Parameter($"{prefix}.norm.weight", [outChannels], ParameterRole.NormScale, 0);
                    shift = Parameter($"{prefix}.norm.bias", [outChannels], ParameterRole.NormShift, 0);
                }
                else
                {
                    scale = graph.AddInitializer($"constant.ones.{outChannels}", [outChannels], 1f);
                    shift = graph.AddInitializer($"constant.zeros.{outChannels}", [outChannels], 0f);
                }

                x = graph.AddNode($"{prefix}.norm", "InstanceNormalization", [x, scale, shift], [OnnxAttribute.Of("epsilon", (float)arch.NormEpsilon)]);
            }

            Alias($"{prefix}.conv.weight", $"{prefix}.all_modules.0.weight");
            if (bias)
            {
                Alias($"{prefix}.conv.bias", $"{prefix}.all_modules.0.bias");
            }

            if (HasNorm && arch.NormAffine)
            {
                Alias($"{prefix}.norm.weight", $"{prefix}.all_modules.{normIndex}.weight");
                Alias($"{prefix}.norm.bias", $"{prefix}.all_modules.{normIndex}.bias");
            }

            return withNonlin && !nonlinFirst ? Nonlin(x, $"{prefix}.nonlin") : x;
        }

        private string TransposedConv(string x, string prefix, int inChannels, int outChannels, int[] stride)
        {
            int fanIn = inChannels * stride.Aggregate(1, (a, b) => a * b);
            string weight = Parameter($"{prefix}.weight", [inChannels, outChannels, .. stride], ParameterRole.Kernel, fanIn);
            string[] inputs = arch.ConvBias ? [x, weight, Parameter($"{prefix}.bias", [outChannels], ParameterRole.Bias, 0)] : [x, weight];
            return graph.AddNode(prefix, "ConvTranspose", inputs, [OnnxAttribute.Of("kernel_shape", stride), OnnxAttribute.Of("strides", stride)]);
        }

        private string Nonlin(string x, string name) =>
            arch.Nonlin switch
            {
                null => x,
                string relu when relu.EndsWith(".ReLU", StringComparison.Ordinal) => graph.AddNode(name, "Relu", [x]),
                _ => graph.AddNode(name, "LeakyRelu", [x], [OnnxAttribute.Of("alpha", (float)arch.NonlinNegativeSlope)]),
            };

        private OnnxAttribute[] ConvAttributes(int[] kernel, int[] stride) =>
        [
            OnnxAttribute.Of("dilations", Ones()),
            OnnxAttribute.Of("group", 1L),
            OnnxAttribute.Of("kernel_shape", kernel),
            OnnxAttribute.Of("pads", [.. kernel.Select(k => (k - 1) / 2), .. kernel.Select(k => (k - 1) / 2)]),
            OnnxAttribute.Of("strides", stride),
        ];

        private string Parameter(string name, int[] shape, ParameterRole role, int fanIn, bool inGraph = true)
        {
            parameters.Add(new NetworkParameter(name, shape, role, fanIn));
            keys.Add(new(name, name));
            return inGraph ? graph.AddInitializer(name, shape.Select(size => (long)size).ToArray()) : name;
        }

        private void Alias(string canonical, string alias) => keys.Add(new(alias, canonical));

        private int[] Ones() => Enumerable.Repeat(1, dims).ToArray();

        /// <summary>
        /// Puts the keys into torch's state_dict order: modules register encoder, then decoder (its encoder reference,
        /// stages, transpconvs, seg_layers), which is not the order the forward pass visits them.
        /// </summary>
        private UNetNetwork Finish()
        {
            static int Group(string key) =>
                key.StartsWith("encoder.", StringComparison.Ordinal) ? 0
                : key.StartsWith("decoder.stages.", StringComparison.Ordinal) ? 2
                : key.StartsWith("decoder.transpconvs.", StringComparison.Ordinal) ? 3
                : 4;

            List<KeyValuePair<string, string>> ordered = keys.OrderBy(entry => Group(entry.Key)).ToList();
            int encoderKeys = ordered.Count(entry => Group(entry.Key) == 0);
            ordered.InsertRange(encoderKeys, ordered.Take(encoderKeys).Select(entry => new KeyValuePair<string, string>("decoder." + entry.Key, entry.Value)).ToList());
            List<NetworkParameter> orderedParameters = parameters.OrderBy(parameter => Group(parameter.Name)).ToList();
            return new UNetNetwork(arch.ShortClassName, orderedParameters, ordered, graph);
        }

        private SegEngineException Unsupported(string key, string problem) =>
            new(SegErrorCode.Unsupported, string.Create(CultureInfo.InvariantCulture, $"{arch.Source}.{key} {problem}"));
    }
}
