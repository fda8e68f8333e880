using SegEngine.Io;
using SegEngine.Model;
using SegEngine.Resampling;

namespace SegEngine.Export;

/// <summary>
/// Everything the export of one case needs, taken from the model and the case's preprocessing properties.
/// Shapes and spacings are in nnU-Net's transposed array order (the order the network saw).
/// </summary>
/// <remarks>
/// Mirrors the arguments of nnU-Net's <c>convert_predicted_logits_to_segmentation_with_correct_shape</c>
/// (<c>inference/export_prediction.py</c>), nnunet-parity.md §5.
/// </remarks>
/// <param name="HeadCount">Network heads K.</param>
/// <param name="RegionsClassOrder">null for label models; for region models the label each head writes (later heads win).</param>
/// <param name="Resampling">The configuration's <c>resampling_fn_probabilities</c>.</param>
/// <param name="CurrentSpacing">Plan spacing (for 2d: [spacing_t[0], *plan]), 3 entries.</param>
/// <param name="NewSpacing">The case's transposed spacing spacing_t, 3 entries.</param>
/// <param name="PreprocessedShape">Shape of the logits (the preprocessed, unpadded grid).</param>
/// <param name="ShapeAfterCropping"><c>shape_after_cropping_and_before_resampling</c>.</param>
/// <param name="BoundingBox"><c>bbox_used_for_cropping</c>: per transposed axis, half-open [start, end).</param>
/// <param name="ShapeBeforeCropping"><c>shape_before_cropping</c> (transposed order).</param>
/// <param name="TransposeBackward">The plans' <c>transpose_backward</c>.</param>
internal sealed record ExportPlan(
    int HeadCount,
    int[]? RegionsClassOrder,
    ResamplingSpec Resampling,
    double[] CurrentSpacing,
    double[] NewSpacing,
    Shape3 PreprocessedShape,
    Shape3 ShapeAfterCropping,
    (int Start, int End)[] BoundingBox,
    Shape3 ShapeBeforeCropping,
    int[] TransposeBackward)
{
    public bool IsRegions => RegionsClassOrder is not null;

    /// <summary>The largest label the export can write: K − 1 for labels, max(regions_class_order) for regions.</summary>
    public int MaxLabel => RegionsClassOrder is null ? HeadCount - 1 : RegionsClassOrder.Max();

    /// <summary>nnU-Net writes uint8 when the largest label is below 255, else uint16 (nnunet-parity.md §5 step 3).</summary>
    public bool LabelsFitInBytes => LabelWidth.FitsInBytes(MaxLabel);

    /// <summary>The label map's shape in the original (reader) array order, after transpose_backward.</summary>
    public Shape3 OriginalShape => new(
        ShapeBeforeCropping[TransposeBackward[0]],
        ShapeBeforeCropping[TransposeBackward[1]],
        ShapeBeforeCropping[TransposeBackward[2]]);

    /// <summary>Whether the logits are resampled at all (nnU-Net returns them untouched when the shape is unchanged).</summary>
    public bool Resamples => PreprocessedShape != ShapeAfterCropping;

    /// <summary>The logits go through torch's float32 interpolation (<c>resample_torch_fornnunet</c>) rather than SciPy's.</summary>
    public bool InterpolatesWithTorch => Resampling.IsTorch && Resamples;


    /// <summary>
    /// The tap pairs that map the preprocessed grid onto the cropped original grid (nnunet-parity.md §5 step 1), with nnU-Net's
    /// separate-z rule decided from the spacings when the shape changes.
    /// </summary>
    public ResamplingGrid CreateResamplingGrid()
    {
        int? separateZAxis = null;
        if (Resamples)
        {
            (bool separateZ, int axis) = SeparateZRule.Determine(Resampling.ForceSeparateZ, CurrentSpacing, NewSpacing);
            separateZAxis = separateZ ? axis : null;
        }

        return InterpolatesWithTorch
            ? TorchResamplingGrid.Create(PreprocessedShape, ShapeAfterCropping, separateZAxis, TorchLayout.OfContiguous(HeadCount, PreprocessedShape, separateZAxis ?? -1))
            : ResamplingGrid.Create(PreprocessedShape, ShapeAfterCropping, separateZAxis);
    }

    /// <summary>Checks every field; throws <see cref="SegEngineException"/> naming the field, expected vs actual.</summary>
    public void Validate()
    {
        if (HeadCount < 1 || HeadCount > ushort.MaxValue)
        {
            throw Invalid($"HeadCount must be in [1, {ushort.MaxValue}], got {HeadCount}");
        }

        if (RegionsClassOrder is not null)
        {
            if (RegionsClassOrder.Length != HeadCount)
            {
                throw Invalid($"regions_class_order has {RegionsClassOrder.Length} entries, expected one per head ({HeadCount})");
            }

            if (RegionsClassOrder.Any(label => label < 0 || label > ushort.MaxValue))
            {
                throw Invalid($"regions_class_order entries must be in [0, {ushort.MaxValue}], got [{string.Join(", ", RegionsClassOrder)}]");
            }
        }

        if (ResamplingFunctions.Problem(Resampling, ResamplingRole.Probabilities) is string problem)
        {
            throw new SegEngineException(SegErrorCode.Unsupported, $"resampling_fn_probabilities {Resampling.FunctionName}: {problem}");
        }

        if (Resampling.IsNoResampling && Resamples)
        {
            throw Invalid($"{ResamplingSpec.NoResamplingFunction} leaves the logits on {PreprocessedShape}, which is not shape_after_cropping_and_before_resampling {ShapeAfterCropping}");
        }

        CheckSpacing(nameof(CurrentSpacing), CurrentSpacing);
        CheckSpacing(nameof(NewSpacing), NewSpacing);
        CheckShape(nameof(PreprocessedShape), PreprocessedShape);
        CheckShape(nameof(ShapeAfterCropping), ShapeAfterCropping);
        CheckShape(nameof(ShapeBeforeCropping), ShapeBeforeCropping);

        if (TransposeBackward.Length != 3 || TransposeBackward.Order().SequenceEqual(new[] { 0, 1, 2 }) is false)
        {
            throw Invalid($"transpose_backward must be a permutation of 0, 1, 2, got [{string.Join(", ", TransposeBackward)}]");
        }

        if (BoundingBox.Length != 3)
        {
            throw Invalid($"bbox_used_for_cropping must have 3 axes, got {BoundingBox.Length}");
        }

        for (int axis = 0; axis < 3; axis++)
        {
            (int start, int end) = BoundingBox[axis];
            if (start < 0 || end > ShapeBeforeCropping[axis] || end - start != ShapeAfterCropping[axis])
            {
                throw Invalid(
                    $"bbox_used_for_cropping axis {axis} is [{start}, {end}); expected a range of length {ShapeAfterCropping[axis]} " +
                    $"(shape_after_cropping_and_before_resampling) inside [0, {ShapeBeforeCropping[axis]}) (shape_before_cropping)");
            }
        }

        if (OriginalShape.Voxels > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"the label map {OriginalShape} exceeds the largest single buffer");
        }
    }

    private static void CheckSpacing(string name, double[] spacing)
    {
        if (spacing.Length != 3 || spacing.Any(s => !double.IsFinite(s) || s <= 0))
        {
            throw Invalid($"{name} must hold 3 positive finite spacings, got [{string.Join(", ", spacing)}]");
        }
    }

    private static void CheckShape(string name, Shape3 shape)
    {
        if (shape.Z <= 0 || shape.Y <= 0 || shape.X <= 0)
        {
            throw Invalid($"{name} must be positive on every axis, got {shape}");
        }
    }

    private static SegEngineException Invalid(string message) => new(SegErrorCode.InvalidInput, $"export plan: {message}");
}
