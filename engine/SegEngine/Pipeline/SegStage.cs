namespace SegEngine.Pipeline;

/// <summary>The stages of one prediction, in the order they run.</summary>
public enum SegStage
{
    /// <summary>Reading the channel files.</summary>
    Read = 1,
    /// <summary>Transpose, crop, normalise and resample to the network's grid.</summary>
    Preprocess = 2,
    /// <summary>The sliding window over every fold; the fraction is the share of tile positions done.</summary>
    Predict = 3,
    /// <summary>Resampling back, argmax and uncropping into the label map.</summary>
    Export = 4,
    /// <summary>Writing the segmentation file.</summary>
    Write = 5,
}
