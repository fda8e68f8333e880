namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// A 3-D convolution rewritten as 2-D convolutions over depth slices, so that ONNX Runtime's CPU provider runs it on its
/// NCHWc kernels, which it has for two spatial dimensions only. With input X of shape (N, C, D, H, W), a weight of depth
/// k and 'same' depth padding p = (k − 1) / 2:
/// <c>out[d] = Σ_j conv2d(x[d + j − p], W[:, :, j])</c>, x zero outside [0, D). The input goes depth-major
/// (N·D, C, H, W), each depth tap j is the zero-padded stack shifted by j, the taps' 2-D outputs are added (the bias
/// once), and the sum goes back to (N, Cout, D, H', W'). All shapes are read at run time, so dynamic axes stay dynamic.
/// </summary>
/// <remarks>The weight slices are <c>Gather</c>s of the original initializer, which ORT's constant folding turns into initializers.</remarks>
internal sealed record DepthSliceConvolution(SourceNode Node, long OutputChannels, long InputChannels, long[] Kernel, long[] Strides, long[] Pads)
{
    private static readonly long[] DepthMajor = [0, 2, 1, 3, 4];

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

    /// <summary>Appends the replacement nodes to <paramref name="graph"/>; the last one writes the convolution's output name.</summary>
    public void Emit(RewrittenGraph graph, int index)
    {
        string prefix = $"depth_slices/{index}/";
        string symbol = RewrittenGraph.NamePrefix + prefix;
        string input = Node.Inputs[0];
        string weight = Node.Inputs[1];
        string? bias = Node.Inputs.Length > 2 && Node.Inputs[2].Length > 0 ? Node.Inputs[2] : null;
        long depthPad = DepthPad;

        // (N, C, D, H, W) -> (N, D, C, H, W), zero-padded in depth when the kernel is deeper than one.
        string inputShape = graph.Add(prefix + "input_shape", "Shape", [input]);
        string inputPlane = graph.Add(prefix + "input_plane", "Slice", [inputShape, graph.Constant([3]), graph.Constant([5]), graph.Constant([0])]);
        string sliceShape = graph.Add(prefix + "slice_shape", "Concat", [graph.Constant([-1, InputChannels]), inputPlane], [OnnxAttribute.Of("axis", 0)]);
        string depthMajor = graph.Add(prefix + "depth_major", "Transpose", [input], [OnnxAttribute.Of("perm", DepthMajor.Select(p => (int)p))]);
        string padded = depthPad == 0
            ? depthMajor
            : graph.Add(prefix + "padded", "Pad", [depthMajor, graph.Constant([0, depthPad, 0, 0, 0, 0, depthPad, 0, 0, 0])]);

        OnnxAttribute[] attributes =
        [
            OnnxAttribute.Of("kernel_shape", Kernel[1..].Select(k => (int)k)),
            OnnxAttribute.Of("strides", Strides[1..].Select(s => (int)s)),
            OnnxAttribute.Of("pads", new[] { Pads[1], Pads[2], Pads[4], Pads[5] }.Select(p => (int)p)),
            OnnxAttribute.Of("dilations", [1, 1]),
            OnnxAttribute.Of("group", 1),
        ];

        // The centre tap reads the unpadded stack itself, so it needs no copy; it carries the bias.
        string? sum = null;
        foreach (long tap in Enumerable.Range(0, (int)Kernel[0]).Select(t => (long)t).OrderBy(t => t != depthPad))
        {
            // Tap j takes padded depths [j, j + D): its end counts back from the padded stack's end, as D may be dynamic.
            long end = tap - (2 * depthPad);
            string shifted = tap == depthPad
                ? depthMajor
                : graph.Add(prefix + $"tap{tap}/shifted", "Slice", [padded, graph.Constant([tap]), graph.Constant([end == 0 ? long.MaxValue : end]), graph.Constant([1])]);
            string slices = graph.Add(prefix + $"tap{tap}/slices", "Reshape", [shifted, sliceShape]);
            string tapWeight = graph.Add(prefix + $"tap{tap}/weight", "Gather", [weight, graph.Constant([tap], scalar: true)], [OnnxAttribute.Of("axis", 2)]);
            string[] convolutionInputs = sum is null && bias is not null ? [slices, tapWeight, bias] : [slices, tapWeight];
            string convolved = graph.Add(prefix + $"tap{tap}/conv", "Conv", convolutionInputs, attributes);
            graph.ValueInfos.Add(new SymbolicValueInfo(convolved, [(null, symbol + "slices"), (OutputChannels, null), (null, symbol + "height"), (null, symbol + "width")]));
            sum = sum is null ? convolved : graph.Add(prefix + $"tap{tap}/sum", "Add", [sum, convolved]);
        }

        // (N·D, Cout, H', W') -> (N, D, Cout, H', W') -> (N, Cout, D, H', W').
        string outputShape = graph.Add(prefix + "output_shape", "Shape", [sum!]);
        string outputPlane = graph.Add(prefix + "output_plane", "Slice", [outputShape, graph.Constant([2]), graph.Constant([4]), graph.Constant([0])]);
        string batch = graph.Add(prefix + "batch", "Slice", [inputShape, graph.Constant([0]), graph.Constant([1]), graph.Constant([0])]);
        string stackShape = graph.Add(prefix + "stack_shape", "Concat", [batch, graph.Constant([-1, OutputChannels]), outputPlane], [OnnxAttribute.Of("axis", 0)]);
        string stack = graph.Add(prefix + "stack", "Reshape", [sum!, stackShape]);
        graph.Add(prefix + "channel_major", "Transpose", [stack], [OnnxAttribute.Of("perm", DepthMajor.Select(p => (int)p))], output: Node.Outputs[0]);
    }
}
