namespace SegEngine.Io;

/// <summary>An error libtiff reported while reading a TIFF (<see cref="TiffThrowingErrorHandler"/>); <see cref="TiffSamples"/> names the file.</summary>
internal sealed class TiffLibraryException(string message) : Exception(message);
