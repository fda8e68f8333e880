namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// A 3-D convolution rewritten as 2-D convolutions over depth slices, so that ONNX Runtime's CPU provider runs it on its
/// NCHWc kernels, which it has for two spatial dimensions only. With input X of shape (N, C, D, H, W), a weight of depth
/// k and 'same' depth padding p = (k − 1) / 2:
/// <c>out[d] = Σ_j conv2d(x[d + j − p], W[:, :, j])</c>, x zero outside [0, D). The input goes depth-major
/// (N·D, C, H, W) in the blocked NCHWc layout of ORT's <c>com.microsoft.nchwc</c> convolution (ORT's reorder, then
/// one transpose of whole H·W·B runs),
/// each depth tap reads it shifted in depth, each tap's convolution adds into the previous one's output (its Sum
/// input; the bias once), and the sum goes back to (N, Cout, D, H', W') the same way round. All shapes are read at
/// run time, so dynamic axes stay dynamic.
/// </summary>
/// <remarks>
/// The graph names ORT's NCHWc operators itself rather than leaving plain 2-D Convs to ORT's NCHWc transformer: that
/// one reorders every tap's input separately and cannot fuse the taps' sum, which measured slower than the 3-D
/// convolution (docs/graph-rewrite.md). The weights are <c>Gather</c>/<c>Reshape</c>/<c>Transpose</c> of the original
/// initializer, which ORT's constant folding turns into initializers.
/// </remarks>
internal sealed record DepthSliceConvolution(SourceNode Node, long OutputChannels, long InputChannels, long[] Kernel, long[] Strides, long[] Pads)
{
    public long DepthPad => Pads[0];

    /// <summary>
    /// The convolution's geometry when the rewrite computes exactly what it does: a plain Conv with a 5-D weight
    /// initializer, one group, no dilation, depth stride 1 and symmetric 'same' depth padding; otherwise null.
    /// </summary>
    public static DepthSliceConvolution? TryMatch(SourceNode node, IReadOnlyDictionary<string, long[]> initializerDims)
    {
        if (node.OpType != "Conv" || node.Domain is not ("" or "ai.onnx") || node.Inputs.Length < 2 || node.Outputs.Length != 1
            || node.OtherAttributes.Count > 0 || !initializerDims.TryGetValue(node.Inputs[1], out long[]? weight) || weight.Length != 5)
        {
            return null;
        }

        if (node.StringAttributes.TryGetValue("auto_pad", out string? autoPad) && autoPad != "NOTSET")
        {
            return null;
        }

        long[] kernel = weight[2..];
        long[] strides = node.Ints("strides", [1, 1, 1]);
        long[] pads = node.Ints("pads", [0, 0, 0, 0, 0, 0]);
        bool plain = node.Ints("group", [1]) is [1]
            && node.Ints("dilations", [1, 1, 1]).All(d => d == 1)
            && node.Ints("kernel_shape", kernel).SequenceEqual(kernel)
            && strides.Length == 3 && strides[0] == 1
            && pads.Length == 6 && pads[0] == pads[3] && 2 * pads[0] == kernel[0] - 1;
        return plain ? new DepthSliceConvolution(node, weight[0], weight[1], kernel, strides, pads) : null;
    }

    /// <summary>
    /// Appends the replacement nodes to <paramref name="graph"/>, named after the node's <paramref name="index"/>, for
    /// the CPU's NCHWc channel <paramref name="block"/>; the last one writes the convolution's output name.
    /// </summary>
    public void Emit(RewrittenGraph graph, int index, long block)
    {
        string prefix = $"depth_slices/{index}/";
        string input = Node.Inputs[0];
        string weight = Node.Inputs[1];
        string bias = Node.Inputs.Length > 2 ? Node.Inputs[2] : "";

        // Shapes from the input at run time: N, D and the plane (H, W) may all be dynamic.
        string inputShape = graph.Add(prefix + "input_shape", "Shape", [input]);
        string batch = graph.Add(prefix + "batch", "Slice", [inputShape, graph.Constant([0]), graph.Constant([1]), graph.Constant([0])]);
        string depth = graph.Add(prefix + "depth", "Slice", [inputShape, graph.Constant([2]), graph.Constant([3]), graph.Constant([0])]);
        string plane = graph.Add(prefix + "plane", "Slice", [inputShape, graph.Constant([3]), graph.Constant([5]), graph.Constant([0])]);

        // NCHWc stack of depth slices: (N, C, D, H·W) reordered by ORT into blocks, (N, C/B, D, H·W·B), then whole
        // H·W·B runs swapped to (N, D, C/B, H·W·B), which read as (N·D, C, H, W) is the blocked layout ORT's NCHWc
        // convolution takes.
        string flat = graph.Add(prefix + "flat", "Reshape", [input, graph.Constant([0, 0, 0, -1])]);
        string reordered = graph.Add(prefix + "reordered", "ReorderInput", [flat], domain: DepthSliceRule.NchwcDomain);
        string runs = graph.Add(prefix + "runs_shape", "Concat", [batch, graph.Constant([InputChannels / block]), depth, graph.Constant([-1])], [OnnxAttribute.Of("axis", 0)]);
        string blockRuns = graph.Add(prefix + "runs", "Reshape", [reordered, runs]);
        string stack = graph.Add(prefix + "stack", "Transpose", [blockRuns], [OnnxAttribute.Of("perm", [0, 2, 1, 3])]);

        string slicesShape = graph.Add(prefix + "slices_shape", "Concat", [graph.Constant([-1, InputChannels]), plane], [OnnxAttribute.Of("axis", 0)]);
        OnnxAttribute[] attributes =
        [
            OnnxAttribute.Of("kernel_shape", Kernel[1..].Select(k => (int)k)),
            OnnxAttribute.Of("strides", Strides[1..].Select(s => (int)s)),
            OnnxAttribute.Of("pads", new[] { Pads[1], Pads[2], Pads[4], Pads[5] }.Select(p => (int)p)),
            OnnxAttribute.Of("dilations", [1, 1]),
            OnnxAttribute.Of("group", 1),
        ];

        // The centre tap reads the stack itself and carries the bias; each other tap reads the stack shifted in depth
        // (a Pad with a negative end crops what the positive start adds) and accumulates into the running sum.
        string? sum = null;
        foreach (long tap in Enumerable.Range(0, (int)Kernel[0]).Select(t => (long)t).OrderBy(t => t != DepthPad))
        {
            string shifted = stack;
            if (tap != DepthPad)
            {
                long[] pads = new long[8];
                pads[1] = DepthPad - tap;
                pads[5] = tap - DepthPad;
                shifted = graph.Add(prefix + $"tap{tap}/shifted", "Pad", [stack, graph.Constant(pads)]);
            }

            string slices = graph.Add(prefix + $"tap{tap}/slices", "Reshape", [shifted, slicesShape]);
            string tapWeight = graph.Add(prefix + $"tap{tap}/weight", "Gather", [weight, graph.Constant([tap], scalar: true)], [OnnxAttribute.Of("axis", 2)]);
            string blockedWeight = BlockedWeight(graph, prefix + $"tap{tap}/", tapWeight, block);
            string[] inputs = sum is null ? [slices, blockedWeight, bias] : [slices, blockedWeight, "", sum];
            sum = graph.Add(prefix + $"tap{tap}/conv", "Conv", inputs, attributes, domain: DepthSliceRule.NchwcDomain);
        }

        // (N·D, Cout, H', W') in NCHWc -> runs (N, D, Cout/B, H'·W'·B) -> (N, Cout/B, D, H'·W'·B), which is the blocked
        // form of (N, Cout, D, H'·W') -> reordered by ORT back to plain (N, Cout, D, H'·W') -> (N, Cout, D, H', W').
        string outputShape = graph.Add(prefix + "output_shape", "Shape", [sum!]);
        string outputPlane = graph.Add(prefix + "output_plane", "Slice", [outputShape, graph.Constant([2]), graph.Constant([4]), graph.Constant([0])]);
        string outputRuns = graph.Add(prefix + "output_runs_shape", "Concat", [batch, depth, graph.Constant([OutputChannels / block, -1])], [OnnxAttribute.Of("axis", 0)]);
        string outputBlockRuns = graph.Add(prefix + "output_runs", "Reshape", [sum!, outputRuns]);
        string channelMajor = graph.Add(prefix + "channel_major", "Transpose", [outputBlockRuns], [OnnxAttribute.Of("perm", [0, 2, 1, 3])]);
        string blockedShape = graph.Add(prefix + "blocked_shape", "Concat", [batch, graph.Constant([OutputChannels]), depth, graph.Constant([-1])], [OnnxAttribute.Of("axis", 0)]);
        string blocked = graph.Add(prefix + "blocked", "Reshape", [channelMajor, blockedShape]);
        string plain = graph.Add(prefix + "plain", "ReorderOutput", [blocked], [OnnxAttribute.Of("channels", (int)OutputChannels)], domain: DepthSliceRule.NchwcDomain);
        string outputShape5 = graph.Add(prefix + "output_5d_shape", "Concat", [batch, graph.Constant([OutputChannels]), depth, outputPlane], [OnnxAttribute.Of("axis", 0)]);
        graph.Add(prefix + "output", "Reshape", [plain, outputShape5], output: Node.Outputs[0]);
    }

    /// <summary>
    /// One tap's (Cout, Cin, kh, kw) weight in the order MLAS's NCHWc kernels read it, OIHWBiBo: blocks of output
    /// channels, blocks of input channels, kh, kw, then a B × B block (input by output channel). Made of constant
    /// nodes, so ORT folds it at load.
    /// </summary>
    private string BlockedWeight(RewrittenGraph graph, string prefix, string tapWeight, long block)
    {
        long[] kernel = Kernel[1..];
        string split = graph.Add(prefix + "weight_split", "Reshape", [tapWeight, graph.Constant([OutputChannels / block, block, InputChannels / block, block, kernel[0], kernel[1]])]);
        string ordered = graph.Add(prefix + "weight_blocked", "Transpose", [split], [OnnxAttribute.Of("perm", [0, 2, 4, 5, 3, 1])]);
        return graph.Add(prefix + "weight_nchwc", "Reshape", [ordered, graph.Constant([OutputChannels, InputChannels, kernel[0], kernel[1]])]);
    }
}
