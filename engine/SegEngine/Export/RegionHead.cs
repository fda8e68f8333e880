namespace SegEngine.Export;

/// <summary>When a region model's head counts as on.</summary>
internal static class RegionHead
{
    /// <summary>A head is on iff its fp16 logit exceeds 2⁻²⁴: float32 sigmoid(2⁻²⁴) rounds to exactly 0.5 (nnunet-parity.md §5.2.4).</summary>
    public const float OnThreshold = 5.9604645E-08f;

    /// <summary>
    /// For float32 logits (torch resampling interpolates in float32): on iff the logit exceeds 1.5·2⁻²⁴, the largest float32
    /// whose torch sigmoid is exactly 0.5 (measured on torch 1.13's CPU over every float32 in [2⁻³¹, 2⁻²¹]). fp16 values
    /// give the same answer as <see cref="OnThreshold"/>: none lies between 2⁻²⁴ and 2⁻²³.
    /// </summary>
    public const float Float32OnThreshold = 8.940697E-08f;
}
