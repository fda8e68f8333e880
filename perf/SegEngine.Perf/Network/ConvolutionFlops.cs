namespace SegEngine.Perf.Network;

/// <summary>
/// The arithmetic of one convolution node from the shapes in an ONNX Runtime profile, and the class it belongs to
/// (kernel, stride, channels, output size). Strides are not in the trace: they are read off the input and output sizes.
/// </summary>
/// <remarks>
/// The kernel comes from the weight's shape (the second input). ORT leaves out weights it pre-packed (ConvTranspose on
/// the CPU): there the kernel is taken equal to the stride, as in every nnU-Net decoder's transposed convolution, and
/// groups are taken as 1.
/// </remarks>
internal static class ConvolutionFlops
{
    /// <summary>Whether <paramref name="node"/> is a convolution this class counts (ORT fuses Conv + activation into FusedConv).</summary>
    public static bool IsConvolution(ProfiledNode node) =>
        node.OperatorType is "Conv" or "FusedConv" or "ConvTranspose"
        && node.InputShapes.Length >= 1 && node.InputShapes[0].Length >= 3 && node.OutputShapes.Length >= 1 && node.OutputShapes[0].Length == node.InputShapes[0].Length;

    /// <summary>
    /// Floating-point operations: 2 per multiply-add (Conv: Cout × Cin/groups × kernel volume per output voxel;
    /// ConvTranspose: Cin × Cout/groups × kernel volume per input voxel), plus one add per output for the bias.
    /// </summary>
    public static double Of(ProfiledNode node)
    {
        long[] input = node.InputShapes[0];
        long[] output = node.OutputShapes[0];
        long[] kernel = Kernel(node);
        long[]? weight = Weight(node);
        double kernelVolume = Volume(kernel);
        double multiplyAdds = Transposed(node)
            ? input[0] * Volume(input.AsSpan(2)) * input[1] * (weight is null ? output[1] : weight[1]) * kernelVolume
            : output[0] * Volume(output.AsSpan(2)) * output[1] * (weight is null ? input[1] : weight[1]) * kernelVolume;
        bool hasBias = node.InputShapes.Skip(1).Any(shape => shape.Length == 1);
        return (2 * multiplyAdds) + (hasBias ? Volume(output) : 0);
    }

    /// <summary>A readable class, e.g. <c>Conv 3×3×3 stride 1 32→32 at 96×160×160</c>.</summary>
    public static string ClassOf(ProfiledNode node)
    {
        long[] input = node.InputShapes[0];
        long[] output = node.OutputShapes[0];
        long[] strides = Strides(node);
        string stride = strides.Distinct().Count() == 1 ? $"{strides[0]}" : string.Join('×', strides);
        string operation = Transposed(node) ? "ConvTranspose" : "Conv";
        return $"{operation} {string.Join('×', Kernel(node))} stride {stride} {input[1]}→{output[1]} at {string.Join('×', output.Skip(2))}";
    }

    private static bool Transposed(ProfiledNode node) => node.OperatorType == "ConvTranspose";

    /// <summary>The weight's shape when the trace lists it: the second input, of the data's rank.</summary>
    private static long[]? Weight(ProfiledNode node) =>
        node.InputShapes.Length >= 2 && node.InputShapes[1].Length == node.InputShapes[0].Length ? node.InputShapes[1] : null;

    private static long[] Kernel(ProfiledNode node) => Weight(node)?[2..] ?? Strides(node);

    private static long[] Strides(ProfiledNode node)
    {
        long[] input = node.InputShapes[0];
        long[] output = node.OutputShapes[0];
        return [.. input.Skip(2).Zip(output.Skip(2), (i, o) => Transposed(node) ? Ratio(o, i) : Ratio(i, o))];
    }

    private static long Ratio(long larger, long smaller) => smaller > 0 ? (long)Math.Round(larger / (double)smaller) : 0;

    private static double Volume(ReadOnlySpan<long> dims)
    {
        double volume = 1;
        foreach (long d in dims)
        {
            volume *= d;
        }

        return volume;
    }
}
