namespace SegEngine.Model;

/// <summary>
/// One of a configuration's resampling functions with its kwargs (plans.json <c>resampling_fn_*</c>), nnunet-parity.md §3.5.
/// </summary>
/// <param name="FunctionName">The plans' function name, e.g. <c>resample_data_or_seg_to_shape</c>.</param>
/// <param name="IsSeg">Label maps use per-label resizing (<c>resize_segmentation</c>, or torch's per-label masks).</param>
/// <param name="Order">Spline order in-plane (or in 3-D when not separate): 0, 1 or 3 (SciPy function only).</param>
/// <param name="OrderZ">Order along the low-resolution axis in separate-z mode (nnU-Net always uses 0; SciPy function only).</param>
/// <param name="ForceSeparateZ">null: decide by the anisotropy rule; true/false: force.</param>
internal sealed record ResamplingSpec(string FunctionName, bool IsSeg, int Order, int OrderZ, bool? ForceSeparateZ)
{
    /// <summary>nnU-Net's default: SciPy/skimage splines in float64 (<c>default_resampling.py</c>).</summary>
    public const string DefaultFunction = "resample_data_or_seg_to_shape";

    /// <summary>The <c>*_torchres</c> planners' function: torch's <c>F.interpolate</c> in float32 (<c>resample_torch.py</c>).</summary>
    public const string TorchFunction = "resample_torch_fornnunet";

    /// <summary>Returns the data unchanged, whatever shape was asked for (<c>no_resampling.py</c>).</summary>
    public const string NoResamplingFunction = "no_resampling_hack";

    /// <summary>
    /// <c>memefficient_seg_resampling</c> of the torch function: a label wins where its mask interpolates above 0.5
    /// (later labels overwriting) instead of above 700 of 1000 in fp16 with an argmax for the rest.
    /// </summary>
    public bool MemoryEfficientSeg { get; init; }

    /// <summary>Why SegEngine cannot run this function as the plans configure it, or null when it can.</summary>
    public string? Unsupported { get; init; }

    public bool IsTorch => FunctionName == TorchFunction;

    public bool IsNoResampling => FunctionName == NoResamplingFunction;
}
