namespace SegEngine.Preprocessing;

/// <summary>The network input of one case and the properties its export needs. Owns the volume.</summary>
/// <param name="Data">The preprocessed channels (C, z, y, x), float32, in transposed axis order.</param>
/// <param name="Properties">nnU-Net's per-case properties (shapes, box, spacings).</param>
internal sealed record PreprocessedCase(VolumeBuffer<float> Data, PreprocessingProperties Properties) : IDisposable
{
    public void Dispose() => Data.Dispose();
}
