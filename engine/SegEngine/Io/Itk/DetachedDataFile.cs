namespace SegEngine.Io.Itk;

/// <summary>
/// Where a header's detached data file (MetaImage <c>ElementDataFile</c>, NRRD <c>data file</c>) lies. ITK accepts any
/// path; the engine accepts only names relative to the header's folder that stay inside it (no absolute path, no
/// <c>..</c> part), so that an input header cannot make it read files elsewhere on the machine. The file is then opened
/// through <see cref="InputFile"/>, which refuses devices, FIFOs and sockets.
/// </summary>
internal static class DetachedDataFile
{
    public static string Resolve(string headerPath, string name, string format, string field)
    {
        if (name.Length == 0 || name.Contains('\0'))
        {
            throw new ItkFormatException(headerPath, format, field, "the data file name is empty or not text");
        }

        if (Path.IsPathRooted(name) || name.Split('/', '\\').Any(part => part == ".."))
        {
            throw new ItkFormatException(
                headerPath, format, field, $"data file '{name}' is outside the header's folder; only relative names without '..' are read");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(headerPath)) ?? ".";
        return Path.Combine(folder, name);
    }
}
