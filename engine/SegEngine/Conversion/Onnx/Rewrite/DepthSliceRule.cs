using System.Runtime.Intrinsics.X86;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Which matched 3-D convolutions are rewritten on this CPU, from the per-class measurements in docs/graph-rewrite.md:
/// stride-1 ones whose channels ORT's NCHWc kernels take. Strided convolutions gained nothing there and pointwise
/// (1×1×1) ones, already one GEMM, lost; both stay 3-D.
/// </summary>
internal static class DepthSliceRule
{
    /// <summary>ONNX Runtime's domain of its CPU provider's blocked-layout (NCHWc) kernels.</summary>
    public const string NchwcDomain = "com.microsoft.nchwc";

    /// <summary>
    /// The channel block of MLAS's NCHWc kernels: 16 floats where AVX-512 runs, 8 with AVX2; 0 on CPUs without
    /// them, where nothing is rewritten. It fixes the weight and activation layouts the rewrite writes.
    /// </summary>
    public static int NchwcBlock { get; } = Avx512F.IsSupported ? 16 : Avx2.IsSupported && Fma.IsSupported ? 8 : 0;

    /// <summary>
    /// Output and input channels in whole blocks. Inputs with fewer channels than a block (the one-channel stem) could
    /// be read unblocked, but measured 1.5–3.7× slower so; they stay 3-D.
    /// </summary>
    public static bool Profits(DepthSliceConvolution convolution) =>
        NchwcBlock > 0
        && convolution.Strides.All(s => s == 1)
        && convolution.Kernel.Aggregate(1L, (volume, k) => volume * k) > 1
        && convolution.OutputChannels % NchwcBlock == 0
        && convolution.InputChannels % NchwcBlock == 0;
}
