namespace SegEngine.Inference;

/// <summary>
/// ORT's working memory for one tile, estimated from the graph before the network ever runs: every intermediate
/// tensor's size from the ONNX shapes (inferred node by node for the operators an nnU-Net export uses), and the largest
/// set of them alive at once when the nodes run in file order, each freed after its last reader, scaled by what ORT's
/// arena was measured to take over that set. This is what ONNX Runtime's CPU arena holds with the memory pattern off
/// (<see cref="OrtSessionOptions"/>); the first real tile measures the true figure (<see cref="NetworkMemoryRecord"/>).
/// </summary>
/// <remarks>
/// Element-wise nodes may write over an input that dies with them, as ORT's allocation planner lets them; ConvTranspose
/// also holds its column buffer (Cout/group × kernel volume × input voxels) while it runs. The graph's input and output
/// are the caller's buffers and weights are resident before any tile, so neither is counted.
/// </remarks>
internal static class ActivationMemoryEstimate
{
    /// <summary>
    /// What ORT's CPU arena touches over the largest live set: its chunks are carved from regions that double as they
    /// are added, freed chunks do not always fit later tensors, and ORT orders some nodes differently. Measured on the
    /// synthetic ResEnc M (perf/results/network.md: 1.26 GB live set, 1.68 GB taken by the first tile) and the sample models.
    /// </summary>
    private static readonly (long Numerator, long Denominator) ArenaOverLiveSet = (4, 3);

    /// <summary>Operators whose output has their first input's shape (normalisation parameters do not broadcast).</summary>
    private static readonly HashSet<string> ShapeOfFirstInput = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Clip", "HardSigmoid", "Gelu", "Erf", "Neg", "Abs", "Exp",
        "Sqrt", "InstanceNormalization", "BatchNormalization", "Identity", "Dropout", "Softmax", "LogSoftmax", "Cast",
    };

    /// <summary>Operators whose output broadcasts their inputs.</summary>
    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div", "Pow", "PRelu" };

    /// <summary>Element-wise operators ORT may run in place over their first input.</summary>
    private static readonly HashSet<string> InPlace = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Clip", "HardSigmoid", "Neg", "Abs", "Exp", "Sqrt",
        "Add", "Sub", "Mul", "Div", "Identity", "Dropout",
    };

    /// <summary>
    /// The estimate in bytes for one tile of <paramref name="inputShape"/> (batch 1), or null when a node's output shape
    /// cannot be known (an operator outside those above and no declared shape): then only a measurement will do.
    /// </summary>
    public static long? BytesPerTile(OnnxGraphNodes graph, IReadOnlyList<long> inputShape)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (TensorShapes(graph, inputShape) is not { } shapes)
        {
            return null;
        }

        var lastReader = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            foreach (string input in graph.Nodes[i].Inputs)
            {
                lastReader[input] = i;
            }
        }

        var external = new HashSet<string>(graph.Inputs.Concat(graph.Outputs).Concat(graph.Initializers.Keys), StringComparer.Ordinal);
        var held = new Dictionary<string, long>(StringComparer.Ordinal);
        long live = 0;
        long peak = 0;
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            OnnxGraphNodes.Node node = graph.Nodes[i];
            string first = node.Outputs[0];
            long bytes = external.Contains(first) ? 0 : Bytes(shapes[first]);
            string? reused = InPlace.Contains(node.OpType)
                ? node.Inputs.FirstOrDefault(n => held.TryGetValue(n, out long b) && b == bytes && lastReader[n] == i)
                : null;
            if (reused is not null)
            {
                held.Remove(reused);
                held[first] = bytes;
            }
            else
            {
                live += bytes;
                held[first] = bytes;
                peak = Math.Max(peak, live + Scratch(node, shapes));
            }

            foreach (string input in node.Inputs.Distinct())
            {
                if (lastReader.GetValueOrDefault(input) == i && held.Remove(input, out long freed))
                {
                    live -= freed;
                }
            }

            if (!lastReader.ContainsKey(first) && held.Remove(first, out long unread))
            {
                live -= unread;
            }
        }

        return peak * ArenaOverLiveSet.Numerator / ArenaOverLiveSet.Denominator;
    }

    /// <summary>
    /// Every tensor's shape (each node's first output, the initializers, the declared ones) for an input of
    /// <paramref name="inputShape"/>, inferred node by node in file order; null when a node's output shape cannot be known.
    /// </summary>
    public static IReadOnlyDictionary<string, long[]>? TensorShapes(OnnxGraphNodes graph, IReadOnlyList<long> inputShape)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var shapes = new Dictionary<string, long[]>(graph.DeclaredShapes, StringComparer.Ordinal);
        foreach ((string name, long[] dims) in graph.Initializers)
        {
            shapes[name] = dims;
        }

        foreach (string input in graph.Inputs.Where(i => !graph.Initializers.ContainsKey(i)))
        {
            shapes[input] = [.. inputShape];
        }

        foreach (OnnxGraphNodes.Node node in graph.Nodes)
        {
            if (OutputShape(node, shapes) is not long[] output)
            {
                return null;
            }

            shapes.TryAdd(node.Outputs[0], output);
        }

        return shapes;
    }

    private static long Bytes(long[] shape) => shape.Aggregate(1L, (a, b) => a * b) * sizeof(float);

    /// <summary>Memory a node holds only while it runs: ConvTranspose's column buffer.</summary>
    private static long Scratch(OnnxGraphNodes.Node node, IReadOnlyDictionary<string, long[]> shapes)
    {
        if (node.OpType != "ConvTranspose")
        {
            return 0;
        }

        // Its column buffer is (Cout/group × kernel volume) × input voxels, per image of the batch.
        long[] input = shapes[node.Inputs[0]];
        long[] weight = shapes[node.Inputs[1]];
        return weight.Skip(1).Aggregate(1L, (a, b) => a * b) * input.Skip(2).Aggregate(1L, (a, b) => a * b) * sizeof(float);
    }

    private static long[]? OutputShape(OnnxGraphNodes.Node node, Dictionary<string, long[]> shapes)
    {
        if (node.Outputs.Length == 0)
        {
            return null;
        }

        if (shapes.TryGetValue(node.Outputs[0], out long[]? declared))
        {
            return declared;
        }

        long[]?[] inputs = [.. node.Inputs.Select(n => n.Length == 0 ? null : shapes.GetValueOrDefault(n))];
        if (inputs.Length == 0 || inputs[0] is not long[] x)
        {
            return null;
        }

        return node.OpType switch
        {
            "Conv" or "AveragePool" or "MaxPool" => Windowed(node, x, node.OpType == "Conv" ? inputs.ElementAtOrDefault(1) : null, transposed: false),
            "ConvTranspose" => Windowed(node, x, inputs.ElementAtOrDefault(1), transposed: true),
            "Concat" => Concatenated(node, inputs),
            _ when ShapeOfFirstInput.Contains(node.OpType) => x,
            _ when Broadcasting.Contains(node.OpType) => Broadcast(inputs),
            _ => null,
        };
    }

    private static long[]? Broadcast(long[]?[] inputs)
    {
        if (inputs.Any(s => s is null))
        {
            return null;
        }

        int rank = inputs.Max(s => s!.Length);
        long[] result = new long[rank];
        for (int axis = 0; axis < rank; axis++)
        {
            result[axis] = inputs.Max(s => axis - (rank - s!.Length) is int a && a >= 0 ? s[a] : 1);
        }

        return result;
    }

    private static long[]? Concatenated(OnnxGraphNodes.Node node, long[]?[] inputs)
    {
        if (inputs.Any(s => s is null) || !node.Ints.TryGetValue("axis", out long[]? axisValue))
        {
            return null;
        }

        long[] result = [.. inputs[0]!];
        int axis = (int)(axisValue[0] < 0 ? axisValue[0] + result.Length : axisValue[0]);
        result[axis] = inputs.Sum(s => s![axis]);
        return result;
    }

    /// <summary>Conv, ConvTranspose and pooling: channels from the weight, each spatial axis from kernel, stride, padding and dilation.</summary>
    private static long[]? Windowed(OnnxGraphNodes.Node node, long[] x, long[]? weight, bool transposed)
    {
        int spatial = x.Length - 2;
        if (node.OpType != "AveragePool" && node.OpType != "MaxPool" && weight is null)
        {
            return null;
        }

        if (node.Strings.TryGetValue("auto_pad", out string? autoPad) && autoPad is not ("NOTSET" or "VALID" or ""))
        {
            // SAME_UPPER/SAME_LOWER: the output keeps ceil(input / stride) (times stride when transposed).
            long[] strides0 = Attribute(node, "strides", spatial, 1);
            long channels0 = weight is null ? x[1] : transposed ? weight[1] * Attribute(node, "group", 1, 1)[0] : weight[0];
            return [x[0], channels0, .. Enumerable.Range(0, spatial).Select(a => transposed ? x[a + 2] * strides0[a] : (x[a + 2] + strides0[a] - 1) / strides0[a])];
        }

        long[] kernel = weight is null ? Attribute(node, "kernel_shape", spatial, 1) : weight[2..];
        long[] strides = Attribute(node, "strides", spatial, 1);
        long[] dilations = Attribute(node, "dilations", spatial, 1);
        long[] pads = Attribute(node, "pads", 2 * spatial, 0);
        long[] outputPadding = Attribute(node, "output_padding", spatial, 0);
        bool ceil = node.Ints.TryGetValue("ceil_mode", out long[]? c) && c[0] != 0;
        long channels = weight is null ? x[1] : transposed ? weight[1] * Attribute(node, "group", 1, 1)[0] : weight[0];
        var result = new long[x.Length];
        result[0] = x[0];
        result[1] = channels;
        for (int a = 0; a < spatial; a++)
        {
            long extent = (dilations[a] * (kernel[a] - 1)) + 1;
            long padded = pads[a] + pads[a + spatial];
            result[a + 2] = transposed
                ? (strides[a] * (x[a + 2] - 1)) + outputPadding[a] + extent - padded
                : ((x[a + 2] + padded - extent + (ceil ? strides[a] - 1 : 0)) / strides[a]) + 1;
        }

        return result;
    }

    private static long[] Attribute(OnnxGraphNodes.Node node, string name, int count, long fallback) =>
        node.Ints.TryGetValue(name, out long[]? values) && values.Length == count ? values : [.. Enumerable.Repeat(fallback, count)];
}
