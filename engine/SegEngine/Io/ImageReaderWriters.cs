namespace SegEngine.Io;

/// <summary>Maps a plans.json <c>image_reader_writer</c> name to the engine's implementation.</summary>
internal static class ImageReaderWriters
{
    /// <summary>
    /// <c>NibabelIO</c>, <c>SimpleITKIO</c>, <c>NibabelIOWithReorient</c>, <c>NaturalImage2DIO</c> or <c>Tiff3DIO</c>; any other
    /// reader (SimpleITKIOWithReorient, a custom one) is refused with <see cref="SegErrorCode.Unsupported"/>.
    /// </summary>
    public static IImageReaderWriter Create(string plansName)
    {
        ArgumentNullException.ThrowIfNull(plansName);
        return plansName switch
        {
            NibabelIO.ReaderName => new NibabelIO(),
            SimpleItkIO.ReaderName => new SimpleItkIO(),
            NibabelIOWithReorient.ReaderName => new NibabelIOWithReorient(),
            NaturalImage2DIO.ReaderName => new NaturalImage2DIO(),
            Tiff3DIO.ReaderName => new Tiff3DIO(),
            _ => throw new SegEngineException(
                SegErrorCode.Unsupported,
                $"image reader '{plansName}' named by plans.json is not supported yet (supported: {NibabelIO.ReaderName}, {SimpleItkIO.ReaderName}, {NibabelIOWithReorient.ReaderName}, {NaturalImage2DIO.ReaderName}, {Tiff3DIO.ReaderName})"),
        };
    }
}
