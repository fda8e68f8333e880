namespace SegEngine.Perf.Kernels;

/// <summary>The problem sizes of the kernel benchmarks: realistic ones for the report, small ones for a smoke test.</summary>
/// <param name="CopyBytes">Memory copy buffer; far larger than L3 (32 MiB here) so it measures DRAM, like the big kernels.</param>
/// <param name="Classes">Network heads K for aggregation, mirroring and export.</param>
/// <param name="Patch">Sliding-window tile (nnU-Net ResEnc M CT patch).</param>
/// <param name="SlabWidth">Row length of the fp16 logit slab the tile is added into (a 512-wide CT, padded).</param>
/// <param name="ExportInput">Preprocessed grid of the logits (1.5 mm).</param>
/// <param name="ExportCrop">Cropped original grid the logits are resampled to (1.0 mm).</param>
/// <param name="ExportOriginal">Original image before cropping; the crop sits inside it.</param>
/// <param name="ResampleInput">CT resampled isotropically 0.7 mm → 1.5 mm (cubic and linear).</param>
/// <param name="SeparateZInput">CT with 5 mm slices resampled to 1.5 mm (separate-z path).</param>
/// <param name="NormalizationVolume">Cropped CT normalised in place.</param>
/// <param name="NiftiVolume">int16 CT stored as .nii.gz.</param>
internal sealed record KernelSizes(
    long CopyBytes,
    int Classes,
    Shape3 Patch,
    int SlabWidth,
    Shape3 ExportInput,
    Shape3 ExportCrop,
    Shape3 ExportOriginal,
    Shape3 ResampleInput,
    Shape3 SeparateZInput,
    Shape3 NormalizationVolume,
    Shape3 NiftiVolume)
{
    public static KernelSizes Full { get; } = new(
        CopyBytes: 256L << 20,
        Classes: 14,
        Patch: new Shape3(96, 160, 160),
        SlabWidth: 512,
        ExportInput: new Shape3(96, 160, 160),
        ExportCrop: new Shape3(144, 240, 240),
        ExportOriginal: new Shape3(150, 250, 250),
        ResampleInput: new Shape3(128, 512, 512),
        SeparateZInput: new Shape3(60, 512, 512),
        NormalizationVolume: new Shape3(300, 512, 512),
        NiftiVolume: new Shape3(200, 512, 512));

    public static KernelSizes Quick { get; } = new(
        CopyBytes: 64L << 20,
        Classes: 14,
        Patch: new Shape3(32, 64, 64),
        SlabWidth: 128,
        ExportInput: new Shape3(24, 40, 40),
        ExportCrop: new Shape3(36, 60, 60),
        ExportOriginal: new Shape3(40, 64, 64),
        ResampleInput: new Shape3(24, 128, 128),
        SeparateZInput: new Shape3(12, 128, 128),
        NormalizationVolume: new Shape3(32, 256, 256),
        NiftiVolume: new Shape3(16, 256, 256));

    /// <summary>
    /// The sizes of this run. BenchmarkDotNet builds the benchmark classes itself, so they read it here; a static is
    /// enough because the in-process toolchain runs them in this very process.
    /// </summary>
    public static KernelSizes Current { get; set; } = Full;
}
