namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Which matched 3-D convolutions are worth rewriting on the CPU, from the per-class measurements in
/// docs/graph-rewrite.md: the stride-1 ones. Strided convolutions gained nothing there and stay 3-D.
/// </summary>
internal static class DepthSliceRule
{
    public static bool Profits(DepthSliceConvolution convolution) => convolution.Strides.All(s => s == 1);
}
