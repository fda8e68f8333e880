using SegEngine.Io;
using SegEngine.Kernels;
using SegEngine.Model;
using SegEngine.Preprocessing.Resampling;
using SegEngine.Resampling;

namespace SegEngine.Preprocessing;

/// <summary>
/// nnU-Net's <c>DefaultPreprocessor.run_case</c> for one configuration: transpose, crop to nonzero, target shape,
/// normalise, resample each channel, and for a cascade append the previous stage's one-hot channels.
/// </summary>
/// <remarks>nnunet-parity.md §3 (order of operations, §3.1–§3.6). Every buffer it creates is released as soon as the next stage has its input, and the image when it returns.</remarks>
internal sealed class Preprocessor
{
    private readonly PlansInfo plans;
    private readonly ConfigurationPlan configuration;
    private readonly LabelManager labels;

    public Preprocessor(PlansInfo plans, ConfigurationPlan configuration, LabelManager labels)
    {
        this.plans = plans;
        this.configuration = configuration;
        this.labels = labels;
    }

    /// <summary>
    /// Preprocesses an image read in reader axis order. Takes ownership of <paramref name="image"/> (it is released
    /// or reused); <paramref name="previousStage"/> is the previous stage's label map in the same geometry, or null.
    /// </summary>
    /// <param name="image">The channels as the reader returned them (C, z, y, x).</param>
    /// <param name="spacing">The reader's spacing, reader axis order.</param>
    /// <param name="readerGeometry">The reader's geometry, whose <c>nibabel_stuff</c> or <c>sitk_stuff</c> the properties keep, or null.</param>
    /// <param name="previousStage">One channel of integer labels, reader axis order; required exactly when the configuration has a previous stage.</param>
    /// <param name="source">Names the case in error messages.</param>
    public PreprocessedCase Run(VolumeBuffer<float> image, IReadOnlyList<double> spacing, ImageGeometry? readerGeometry, VolumeBuffer<short>? previousStage, string source)
    {
        ArgumentNullException.ThrowIfNull(image);
        bool cascade = configuration.PreviousStage is not null;
        if (cascade != (previousStage is not null))
        {
            image.Dispose();
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                cascade
                    ? $"{source}: configuration '{configuration.Name}' is the second stage of a cascade after '{configuration.PreviousStage}'; it needs that stage's segmentation"
                    : $"{source}: configuration '{configuration.Name}' takes no previous-stage segmentation");
        }

        int nan = SegKernels.IndexOfNaN(image.Span);
        if (nan >= 0)
        {
            image.Dispose();
            throw new SegEngineException(SegErrorCode.Numeric, $"{source}: the image contains NaN (channel {nan / image.ChannelLength}, voxel {nan % image.ChannelLength})");
        }

        Shape3 readerShape = image.Shape;
        VolumeBuffer<float> transposed;
        try
        {
            transposed = Transposition.TransposeForward(image, plans.TransposeForward);
        }
        catch
        {
            image.Dispose();
            throw;
        }

        if (!ReferenceEquals(transposed, image))
        {
            image.Dispose();
        }

        double[] transposedSpacing = Transposition.TransposeSpacing(spacing, plans.TransposeForward);
        using CroppedCase crop = NonzeroCropping.CropToNonzero(transposed);
        double[] targetSpacing = ResamplingPlan.TargetSpacing(transposedSpacing, configuration.Spacing);
        Shape3 croppedShape = crop.Data.Shape;
        Shape3 newShape = PlannedResampling.ResampledShape(configuration.ResamplingData, croppedShape, transposedSpacing, targetSpacing);

        using VolumeBuffer<short>? previousCropped = previousStage is null ? null : CropPreviousStage(previousStage, crop, source);
        using VolumeBuffer<byte>? cascadeMask = previousCropped is null ? null : MaskOfCascadeSeg(previousCropped);
        IntensityNormalization.Normalize(
            crop.Data, configuration.NormalizationSchemes, configuration.UseMaskForNorm, plans.IntensityProperties, cascadeMask ?? crop.Mask);

        // The masks' last use: released before the resampling, the stage's peak (CaseMemoryPlanner plans them before it only).
        crop.Mask.Dispose();
        cascadeMask?.Dispose();

        var plan = ResamplingPlan.Create(croppedShape, newShape, transposedSpacing, targetSpacing, configuration.ResamplingData.ForceSeparateZ);
        var layout = TorchLayout.OfPreprocessingView(crop.Data.Channels, readerShape, plans.TransposeForward, croppedShape, plan.LowResolutionAxis);
        VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(crop.Data.Channels, newShape);
        try
        {
            for (int c = 0; c < crop.Data.Channels; c++)
            {
                PlannedResampling.ResampleData(crop.Data.Channel(c), data.Channel(c), plan, configuration.ResamplingData, layout);
            }

            if (previousCropped is not null)
            {
                data = AppendPreviousStage(data, previousCropped, readerShape, croppedShape, transposedSpacing, targetSpacing, source);
            }
        }
        catch
        {
            data.Dispose();
            throw;
        }

        var properties = new PreprocessingProperties(
            crop.ShapeBeforeCropping, crop.BoundingBox, croppedShape, [.. spacing], targetSpacing, readerGeometry?.Affine, readerGeometry?.SitkStuff)
        {
            ReorientedAffine = readerGeometry?.ReorientedAffine,
        };
        return new PreprocessedCase(data, properties);
    }

    /// <summary>Transposes and crops the previous stage's labels like the image, with nnU-Net's −1 rule outside the mask.</summary>
    private VolumeBuffer<short> CropPreviousStage(VolumeBuffer<short> previousStage, CroppedCase crop, string source)
    {
        Shape3 expected = Transposition.TransposeShape(crop.ShapeBeforeCropping, plans.TransposeBackward);
        if (previousStage.Channels != 1 || previousStage.Shape != expected)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput,
                $"{source}: the previous stage's segmentation is {previousStage.Channels} x {previousStage.Shape}; the image is 1 x {expected}");
        }

        VolumeBuffer<short> transposed = Transposition.TransposeForward(previousStage, plans.TransposeForward);
        try
        {
            return CascadeInput.CropPreviousStageSegmentation(transposed, crop);
        }
        finally
        {
            if (!ReferenceEquals(transposed, previousStage))
            {
                transposed.Dispose();
            }
        }
    }

    /// <summary>nnU-Net's normalisation mask is <c>seg ≥ 0</c>, which for a cascade is the cropped previous-stage seg.</summary>
    private static VolumeBuffer<byte> MaskOfCascadeSeg(VolumeBuffer<short> seg)
    {
        VolumeBuffer<byte> mask = VolumeBuffer<byte>.Allocate(1, seg.Shape);
        ReadOnlySpan<short> labels = seg.Span;
        Span<byte> target = mask.Span;
        for (int i = 0; i < labels.Length; i++)
        {
            target[i] = labels[i] >= 0 ? (byte)1 : (byte)0;
        }

        return mask;
    }

    private VolumeBuffer<float> AppendPreviousStage(
        VolumeBuffer<float> data, VolumeBuffer<short> previousCropped, Shape3 readerShape, Shape3 croppedShape, double[] transposedSpacing, double[] targetSpacing, string source)
    {
        ResamplingSpec function = configuration.ResamplingSeg;
        Shape3 newShape = PlannedResampling.ResampledShape(function, croppedShape, transposedSpacing, targetSpacing);
        if (newShape != data.Shape)
        {
            throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"{source}: resampling_fn_seg ({function.FunctionName}) puts the previous stage's segmentation on {newShape}, resampling_fn_data puts the image on {data.Shape}; nnU-Net cannot stack them either");
        }

        var plan = ResamplingPlan.Create(croppedShape, newShape, transposedSpacing, targetSpacing, function.ForceSeparateZ);
        TorchLayout masks = TorchLayout.OfMasks(croppedShape, TorchLayout.TransposedStrides(readerShape, plans.TransposeForward), plan.LowResolutionAxis);
        using VolumeBuffer<short> resampled = VolumeBuffer<short>.Allocate(1, newShape);
        PlannedResampling.ResampleSegmentation(previousCropped.Span, resampled.Span, plan, function, masks);
        VolumeBuffer<float> withOneHot = CascadeInput.AppendOneHot(data, resampled, labels.ForegroundLabels);
        data.Dispose();
        return withOneHot;
    }
}
