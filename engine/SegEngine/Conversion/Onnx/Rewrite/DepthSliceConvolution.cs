namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// A 3-D convolution rewritten as 2-D convolutions, so that ONNX Runtime's CPU provider runs it on its NCHWc kernels,
/// which it has for two spatial dimensions only. With input X of shape (N, C, D, H, W), a weight of depth k and 'same'
/// padding p = (k − 1) / 2 in depth (ph in height): <c>out[d] = Σ_j conv2d(x[d + j − p], W[:, :, j])</c>, x zero outside
/// [0, D). The depth slices are stacked as rows of one 2-D image (N, C, D·(H + ph), W), each slice followed by ph zero
/// rows, so the in-plane padding between slices is real zeros; a depth shift of s slices is then a shift of s·(H + ph)
/// rows, which each tap's convolution makes by its own asymmetric top/bottom padding. Every tap reads the same blocked
/// image (no copy per tap), writes the same framed output (the wanted rows and p·(H + ph) rows above and below them),
/// and adds into the previous tap's output (its Sum input; the bias once). All shapes are read at run time, so dynamic
/// axes stay dynamic.
/// </summary>
/// <remarks>
/// Copies per convolution: the height padding, ORT's reorder into the blocked layout, the reorder back and the crop of
/// the frame. The earlier form (version 5: depth-major stack by reorder + transpose, one Pad per shifted tap, transpose
/// and reorder back) made six; its Pads and transposes ate the faster kernels' gain (docs/graph-rewrite.md). The
/// price of rows: each tap also computes the ph zero rows per slice (ph / (H + ph) of the work: 0.6 % at H = 160, 9 %
/// at H = 10). Each tap's weight is written as an initializer already in the order MLAS's NCHWc kernels read it, and
/// the 3-D weight is dropped: reordering nodes left to ORT's constant folding held every weight two or three times while
/// the session was created.
/// </remarks>
internal sealed record DepthSliceConvolution(SourceNode Node, long OutputChannels, long InputChannels, long[] Kernel, long[] Strides, long[] Pads)
{
    public long DepthPad => Pads[0];

    public long HeightPad => Pads[1];

    /// <summary>
    /// The convolution's geometry when the rewrite computes exactly what it does: a plain Conv with a 5-D weight
    /// initializer, one group, no dilation, stride 1 and symmetric 'same' padding in depth and height; otherwise null.
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
            && strides.Length == 3 && strides.All(stride => stride == 1)
            && pads.Length == 6 && pads[0] == pads[3] && 2 * pads[0] == kernel[0] - 1 && pads[1] == pads[4] && 2 * pads[1] == kernel[1] - 1;
        return plain ? new DepthSliceConvolution(node, weight[0], weight[1], kernel, strides, pads) : null;
    }

    /// <summary>
    /// Appends the replacement nodes to <paramref name="graph"/>, named after the node's <paramref name="index"/>, for
    /// the CPU's NCHWc channel <paramref name="block"/>, an input of <paramref name="height"/> rows (the taps'
    /// paddings are attributes, so the height is fixed; batch, depth and width stay dynamic) and the convolution's
    /// <paramref name="weight"/> (Cout, Cin, kd, kh, kw); the last one writes the convolution's output name.
    /// </summary>
    public void Emit(RewrittenGraph graph, int index, long block, long height, ReadOnlySpan<float> weight)
    {
        string prefix = $"depth_slices/{index}/";
        string input = Node.Inputs[0];
        string bias = Node.Inputs.Length > 2 ? Node.Inputs[2] : "";
        long pitch = height + HeightPad;

        // (N, C, D, H, W) -> ph zero rows after each slice -> (N, C, D·(H + ph), W) -> ORT's blocked NCHWc layout.
        string padded = HeightPad == 0 ? input : graph.Add(prefix + "row_padded", "Pad", [input, graph.Constant([0, 0, 0, 0, 0, 0, 0, 0, HeightPad, 0])]);
        string inputShape = graph.Add(prefix + "input_shape", "Shape", [input]);
        string batch = graph.Add(prefix + "batch", "Slice", [inputShape, graph.Constant([0]), graph.Constant([1]), graph.Constant([0])]);
        string width = graph.Add(prefix + "width", "Slice", [inputShape, graph.Constant([4]), graph.Constant([5]), graph.Constant([0])]);
        string imageShape = graph.Add(prefix + "image_shape", "Concat", [graph.Constant([0, 0, -1]), width], [OnnxAttribute.Of("axis", 0)]);
        string image = graph.Add(prefix + "image", "Reshape", [padded, imageShape]);
        string blocked = graph.Add(prefix + "blocked", "ReorderInput", [image], domain: DepthSliceRule.NchwcDomain);

        // Tap j reads slice d + s (s = j − p) for output slice d, s·pitch rows further down the image: its top padding
        // is ph + (p − s)·pitch and its bottom padding (p + s)·pitch + (kh − 1 − ph), so every tap writes the same
        // frame of D + 2p slices, whose first and last p are not wanted.
        string? sum = null;
        foreach (long tap in Enumerable.Range(0, (int)Kernel[0]).Select(t => (long)t).OrderBy(t => t != DepthPad))
        {
            long shift = tap - DepthPad;
            long top = HeightPad + ((DepthPad - shift) * pitch);
            long bottom = ((DepthPad + shift) * pitch) + (Kernel[1] - 1 - HeightPad);
            OnnxAttribute[] attributes =
            [
                OnnxAttribute.Of("kernel_shape", Kernel[1..].Select(k => (int)k)),
                OnnxAttribute.Of("strides", [1, 1]),
                OnnxAttribute.Of("pads", new[] { top, Pads[2], bottom, Pads[5] }.Select(p => (int)p)),
                OnnxAttribute.Of("dilations", [1, 1]),
                OnnxAttribute.Of("group", 1),
            ];
            string blockedWeight = graph.Weight(prefix + $"tap{tap}/weight", [OutputChannels, InputChannels, Kernel[1], Kernel[2]], BlockedTap(weight, tap, (int)block));
            string[] inputs = sum is null ? [blocked, blockedWeight, bias] : [blocked, blockedWeight, "", sum];
            sum = graph.Add(prefix + $"tap{tap}/conv", "Conv", inputs, attributes, domain: DepthSliceRule.NchwcDomain);
        }

        // Back to plain (N, Cout, (D + 2p)·pitch, W'), viewed as (N, Cout, D + 2p, pitch, W'), the frame cropped.
        string plain = graph.Add(prefix + "plain", "ReorderOutput", [sum!], [OnnxAttribute.Of("channels", (int)OutputChannels)], domain: DepthSliceRule.NchwcDomain);
        string plainShape = graph.Add(prefix + "plain_shape", "Shape", [plain]);
        string outputWidth = graph.Add(prefix + "output_width", "Slice", [plainShape, graph.Constant([3]), graph.Constant([4]), graph.Constant([0])]);
        string framedShape = graph.Add(prefix + "framed_shape", "Concat", [batch, graph.Constant([OutputChannels, -1, pitch]), outputWidth], [OnnxAttribute.Of("axis", 0)]);
        string framed = graph.Add(prefix + "framed", "Reshape", [plain, framedShape]);
        long[] ends = [DepthPad > 0 ? -DepthPad : long.MaxValue, HeightPad > 0 ? -HeightPad : long.MaxValue];
        graph.Add(prefix + "output", "Slice", [framed, graph.Constant([DepthPad, 0]), graph.Constant(ends), graph.Constant([2, 3])], output: Node.Outputs[0]);
    }

    /// <summary>
    /// Tap <paramref name="tap"/>'s (Cout, Cin, kh, kw) weight in the order MLAS's NCHWc kernels read it, OIHWBiBo:
    /// blocks of output channels, blocks of input channels, kh, kw, then a B × B block (input by output channel).
    /// </summary>
    private float[] BlockedTap(ReadOnlySpan<float> weight, long tap, int block)
    {
        int cout = (int)OutputChannels, cin = (int)InputChannels, kd = (int)Kernel[0], kh = (int)Kernel[1], kw = (int)Kernel[2];
        float[] blocked = new float[cout * cin * kh * kw];
        int next = 0;
        for (int ob = 0; ob < cout / block; ob++)
        {
            for (int ib = 0; ib < cin / block; ib++)
            {
                for (int y = 0; y < kh; y++)
                {
                    for (int x = 0; x < kw; x++)
                    {
                        for (int bi = 0; bi < block; bi++)
                        {
                            for (int bo = 0; bo < block; bo++)
                            {
                                int o = (ob * block) + bo, i = (ib * block) + bi;
                                blocked[next++] = weight[(((((o * cin) + i) * kd) + (int)tap) * kh * kw) + (y * kw) + x];
                            }
                        }
                    }
                }
            }
        }

        return blocked;
    }
}
