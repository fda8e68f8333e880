namespace SegEngine.Model;

/// <summary>The per-channel normalisations of nnU-Net's default preprocessor (plans <c>normalization_schemes</c>).</summary>
internal enum NormalizationScheme
{
    CTNormalization,
    ZScoreNormalization,
    RescaleTo01Normalization,
    RGBTo01Normalization,
    NoNormalization,
}
