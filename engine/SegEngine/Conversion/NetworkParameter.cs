namespace SegEngine.Conversion;

/// <summary>What a learnable tensor does, which decides its synthetic initialisation.</summary>
internal enum ParameterRole
{
    /// <summary>A convolution or transposed-convolution kernel.</summary>
    Kernel,
    /// <summary>A convolution bias.</summary>
    Bias,
    /// <summary>The affine scale (γ) of a normalisation.</summary>
    NormScale,
    /// <summary>The affine shift (β) of a normalisation.</summary>
    NormShift,
}

/// <summary>One learnable tensor of a network, under its canonical state_dict name (nnunet-parity.md §6.1).</summary>
/// <param name="Name">The canonical key, e.g. <c>encoder.stem.convs.0.conv.weight</c>.</param>
/// <param name="Shape">The tensor shape; kernels are (out, in, k…), transposed kernels (in, out, k…).</param>
/// <param name="Role">What the tensor does.</param>
/// <param name="FanIn">Inputs feeding one output (in channels × kernel volume, per output for transposed kernels); 0 for non-kernels.</param>
internal sealed record NetworkParameter(string Name, int[] Shape, ParameterRole Role, int FanIn)
{
    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    public string FormatShape() => $"[{string.Join(", ", Shape)}]";
}
