namespace SegEngine.Export;

/// <summary>
/// Where an output voxel of the cropped, transposed grid lands in the original-order label map: uncropping
/// (the bounding box's start) and transpose_backward folded into element strides (nnunet-parity.md §5 steps 4 and 5).
/// </summary>
internal sealed class LabelMapPlacement
{
    private readonly long[] stride;
    private readonly long origin;

    public LabelMapPlacement(ExportPlan plan)
    {
        // Element strides of the original-order label map, per transposed axis: original axis i shows transposed axis tb[i].
        Shape3 original = plan.OriginalShape;
        long[] originalStride = [(long)original.Y * original.X, original.X, 1];
        stride = new long[3];
        for (int i = 0; i < 3; i++)
        {
            stride[plan.TransposeBackward[i]] = originalStride[i];
        }

        for (int axis = 0; axis < 3; axis++)
        {
            origin += plan.BoundingBox[axis].Start * stride[axis];
        }
    }

    /// <summary>The element offset of output voxel (<paramref name="oz"/>, <paramref name="oy"/>, 0).</summary>
    public long RowStart(int oz, int oy) => origin + (oz * stride[0]) + (oy * stride[1]);

    /// <summary>The element step from one output voxel to the next along axis 2.</summary>
    public long Step => stride[2];
}
