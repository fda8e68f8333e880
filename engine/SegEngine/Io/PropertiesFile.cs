namespace SegEngine.Io;

/// <summary>
/// Where <c>--save_probabilities</c> puts a case's properties beside its <c>{case}.npz</c>. nnU-Net pickles them to
/// <c>{case}.pkl</c>; SegEngine writes JSON, as <c>{case}.json</c>, except for <see cref="Tiff3DIO"/>, whose writer puts
/// nnU-Net's spacing file at <c>{case}.json</c> beside the segmentation: there the properties are <c>{case}.properties.json</c>,
/// so both files survive and the spacing file stays byte-identical to nnU-Net's.
/// </summary>
internal static class PropertiesFile
{
    /// <summary>The properties file for <paramref name="npzPath"/> when the model reads and writes with <paramref name="readerName"/>.</summary>
    public static string Beside(string npzPath, string readerName)
    {
        ArgumentException.ThrowIfNullOrEmpty(npzPath);
        return Path.ChangeExtension(npzPath, readerName == Tiff3DIO.ReaderName ? ".properties.json" : ".json");
    }
}
