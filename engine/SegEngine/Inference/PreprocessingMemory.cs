namespace SegEngine.Inference;

/// <summary>
/// What the preprocessing stage of a case holds beside its preprocessed volume (<see cref="MemoryPlan"/>).
/// </summary>
/// <param name="ImageBytes">The image it was handed, released when preprocessing ends.</param>
/// <param name="WorkingBytes">
/// The working memory at its largest: the resampler's, beside the preprocessed volume; or, before that volume exists,
/// the nonzero mask and a transposed or cropped copy of the image, less the room the volume will take.
/// </param>
public readonly record struct PreprocessingMemory(long ImageBytes, long WorkingBytes);
