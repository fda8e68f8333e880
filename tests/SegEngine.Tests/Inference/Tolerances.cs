namespace SegEngine.Tests.Inference;

/// <summary>Named tolerances for the network-dependent (Tier B) comparisons, each with its reason.</summary>
internal static class Tolerances
{
    /// <summary>
    /// Largest allowed difference between our aggregated fp16 logits and nnU-Net's, in resolution steps of the
    /// aggregate (one fp16 ulp of the result plus the accumulator's subnormal quantum 2^-24 over the voxel's weight;
    /// see SampleComparison.Step). Every stage after the network is bit-exact (tested against the naive reference),
    /// so differences come only from ORT vs torch network outputs (about 4e-5 apart). Each of the up to 8 tile adds a
    /// 3-D voxel sees (step 0.5) can round the other way and the division rounds once more. The observed worst on the
    /// sample is 2 steps; 4 leaves margin, while a real mistake (wrong Gaussian, order or padding) shows as hundreds.
    /// </summary>
    public const double MaxSteps = 4;

    /// <summary>Minimum share of bit-identical values: most voxels must see no rounding flip at all.</summary>
    public const double MinIdenticalFraction = 0.8;

    /// <summary>
    /// Largest difference between the logits of our converted ONNX and of torch's own export, relative to the logit range:
    /// the same float32 arithmetic in ORT, only fused or ordered differently (the sample shows about 1e-6).
    /// </summary>
    public const double ConvertedLogitsRelative = 1e-4;

    /// <summary>Minimum voxel agreement of segmentations from a converted model and from torch's export (nnunet-parity.md §0: 99.99 %).</summary>
    public const double MinVoxelAgreement = 0.9999;
}
