namespace SegEngine.Inference;

/// <summary>
/// What the preprocessing stage of a case holds beside its preprocessed volume (<see cref="MemoryPlan"/>).
/// </summary>
/// <param name="ImageBytes">The image it was handed, released when preprocessing ends.</param>
/// <param name="MaskBytes">The nonzero mask, one byte a voxel.</param>
/// <param name="WorkingBytes">The working memory at its largest: the resampler's, or a transposed or cropped copy of the image beyond the preprocessed volume's room.</param>
public readonly record struct PreprocessingMemory(long ImageBytes, long MaskBytes, long WorkingBytes);
