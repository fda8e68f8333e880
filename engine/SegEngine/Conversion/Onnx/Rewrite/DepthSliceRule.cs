using System.Runtime.Intrinsics.X86;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Which matched 3-D convolutions are worth rewriting on this CPU, from the per-class measurements in
/// docs/graph-rewrite.md: stride-1 ones whose 2-D form ONNX Runtime runs on its NCHWc kernels. Strided convolutions
/// gained nothing there and stay 3-D.
/// </summary>
internal static class DepthSliceRule
{
    /// <summary>
    /// The channel block of ORT's NCHWc kernels (MLAS): 16 floats where AVX-512 runs, else 8. ORT leaves a 2-D
    /// convolution in plain NCHW unless its output channels, and its input channels from 8 up, are multiples of it.
    /// </summary>
    public static int NchwcBlock { get; } = Avx512F.IsSupported ? 16 : 8;

    public static bool Profits(DepthSliceConvolution convolution) =>
        convolution.Strides.All(s => s == 1)
        && convolution.OutputChannels % NchwcBlock == 0
        && (convolution.InputChannels < 8 || convolution.InputChannels % NchwcBlock == 0);
}
