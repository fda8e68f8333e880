using System.Runtime.Intrinsics.X86;

namespace SegEngine.Conversion.Onnx.Rewrite;

/// <summary>
/// Which matched 3-D convolutions are rewritten on this CPU, from the per-class measurements in docs/graph-rewrite.md
/// (perf/results/network-rewrite.md): stride-1 ones whose channels ORT's NCHWc kernels take and whose arithmetic
/// outweighs the layout conversions around them. Strided convolutions gained nothing there and pointwise (1×1×1)
/// ones, already one GEMM, lost; both stay 3-D.
/// </summary>
internal static class DepthSliceRule
{
    /// <summary>ONNX Runtime's domain of its CPU provider's blocked-layout (NCHWc) kernels.</summary>
    public const string NchwcDomain = "com.microsoft.nchwc";

    /// <summary>
    /// The least Cin·Cout / (Cin + Cout): multiply-adds per converted element, up to the kernel volume. On ResEnc M
    /// 32→32 (16) ran 1.74× slower rewritten, 64→32 (21) 0.83×, 64→64 (32) and above 0.70–0.95×; the full-resolution
    /// 64→32 is left out too, as its copies are the largest tensors of the network.
    /// </summary>
    public const long MinimumChannelIntensity = 32;

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
        && convolution.InputChannels % NchwcBlock == 0
        && convolution.InputChannels * convolution.OutputChannels >= MinimumChannelIntensity * (convolution.InputChannels + convolution.OutputChannels);
}
