namespace SegEngine.Export;

/// <summary>When a region model's head counts as on.</summary>
internal static class RegionHead
{
    /// <summary>A head is on iff its fp16 logit exceeds 2⁻²⁴: float32 sigmoid(2⁻²⁴) rounds to exactly 0.5 (nnunet-parity.md §5.2.4).</summary>
    public const float OnThreshold = 5.9604645E-08f;
}
