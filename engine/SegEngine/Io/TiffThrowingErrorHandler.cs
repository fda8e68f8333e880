using BitMiracle.LibTiff.Classic;

namespace SegEngine.Io;

/// <summary>libtiff's errors end the call that met them; its warnings (unknown tags and the like) are ignored, as tifffile's are.</summary>
internal sealed class TiffThrowingErrorHandler : TiffErrorHandler
{
    public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) =>
        throw new TiffLibraryException($"{method}: {string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args)}");

    public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) =>
        ErrorHandler(tif, method, format, args);

    public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
    {
    }

    public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
    {
    }
}
