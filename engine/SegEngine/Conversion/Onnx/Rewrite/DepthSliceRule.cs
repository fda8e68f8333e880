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
    /// The least Cin·Cout / (Cin + Cout): multiply-adds per converted element, up to the kernel volume. Version 7's
    /// rows form (four copies per convolution) measured on ResEnc M, both graphs profiled in alternation: 32→32 (16) at
    /// full resolution 0.78× the 3-D time, 64→32 0.73×, 64→64 and up 0.83–0.98×, two single nodes (512→256, 640→320)
    /// 1.02–1.03×, within that run's noise (docs/graph-rewrite.md). Smaller channel counts (the sample's 8 and 16)
    /// measured slower in earlier forms and are left alone.
    /// </summary>
    public const long MinimumChannelIntensity = 16;

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
