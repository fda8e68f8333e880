namespace SegEngine.Model;

/// <summary>
/// One of a configuration's resampling functions with its kwargs (plans.json <c>resampling_fn_*</c>), nnunet-parity.md §3.5.
/// </summary>
/// <param name="FunctionName">The plans' function name, e.g. <c>resample_data_or_seg_to_shape</c>.</param>
/// <param name="IsSeg">Label maps use per-label linear resizing (<c>resize_segmentation</c>).</param>
/// <param name="Order">Spline order in-plane (or in 3-D when not separate): 0, 1 or 3.</param>
/// <param name="OrderZ">Order along the low-resolution axis in separate-z mode (nnU-Net always uses 0).</param>
/// <param name="ForceSeparateZ">null: decide by the anisotropy rule; true/false: force.</param>
internal sealed record ResamplingSpec(string FunctionName, bool IsSeg, int Order, int OrderZ, bool? ForceSeparateZ)
{
    /// <summary>The only resampling function SegEngine implements bit-exactly.</summary>
    public const string DefaultFunction = "resample_data_or_seg_to_shape";
}
