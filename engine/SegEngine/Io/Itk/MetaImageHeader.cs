using System.Globalization;

namespace SegEngine.Io.Itk;

/// <summary>
/// Parses a MetaImage header (<c>.mha</c> with its voxels attached, or <c>.mhd</c> naming a data file): MetaIO's
/// <c>Key = Value</c> lines up to <c>ElementDataFile</c>, which ends the header. Geometry as ITK's MetaImageIO gives it:
/// spacing from <c>ElementSpacing</c> (else <c>ElementSize</c>, else 1), origin from <c>Offset</c>/<c>Position</c>/<c>Origin</c>,
/// and the direction's column i from entries i·D … i·D + D − 1 of <c>TransformMatrix</c>/<c>Rotation</c>/<c>Orientation</c>
/// (MetaIO stores the matrix column by column).
/// </summary>
/// <remarks>
/// Refused: ASCII data (<c>BinaryData = False</c>), multi-component pixels (<c>ElementNumberOfChannels</c> &gt; 1: nnU-Net's
/// SimpleITKIO would take the component axis for a spatial one), file lists and numbered file patterns, and element types
/// other than 8–64-bit integers and float32/64.
/// </remarks>
internal static class MetaImageHeader
{
    public const string FormatName = "MetaImage";

    public static ItkImageHeader Read(string path)
    {
        using FileStream file = InputFile.OpenRead(path);
        var lines = new HeaderLines(file, path, FormatName);
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? dataFile = null;
        while (lines.Next() is string line)
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                if (line.Trim().Length == 0)
                {
                    continue;
                }

                throw new ItkFormatException(path, FormatName, "header", $"line '{Shorten(line)}' is not 'Key = Value'");
            }

            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            fields[key] = value;
            if (key == "ElementDataFile")
            {
                dataFile = value;
                break;
            }
        }

        if (dataFile is null)
        {
            throw new ItkFormatException(path, FormatName, "ElementDataFile", "missing (it ends a MetaImage header); is this a MetaImage file?");
        }

        if (fields.TryGetValue("ObjectType", out string? objectType) && objectType != "Image")
        {
            throw new ItkFormatException(path, FormatName, "ObjectType", $"'{objectType}' is not an image");
        }

        int dims = (int)Integer(path, fields, "NDims", required: true, 1, 64);
        double[] sizes = Numbers(path, fields, "DimSize", dims, required: true)!;
        if (sizes.Any(n => n != Math.Floor(n) || n < 1 || n > int.MaxValue))
        {
            throw new ItkFormatException(path, FormatName, "DimSize", $"every axis needs 1 to {int.MaxValue} voxels, got '{Shorten(fields["DimSize"])}'");
        }

        long[] size = sizes.Select(n => (long)n).ToArray();
        if (Integer(path, fields, "ElementNumberOfChannels", required: false, 1, int.MaxValue, fallback: 1) != 1)
        {
            throw new ItkFormatException(
                path, FormatName, "ElementNumberOfChannels", $"{fields["ElementNumberOfChannels"]} components per voxel: SimpleITKIO reads scalar images only (nnU-Net would mistake the component axis for a spatial one)");
        }

        if (fields.TryGetValue("BinaryData", out string? binary) && !IsTrue(binary))
        {
            throw new ItkFormatException(path, FormatName, "BinaryData", "ASCII voxel data is not supported");
        }

        NiftiDataType type = ElementType(path, fields);
        bool bigEndian = IsTrue(fields.GetValueOrDefault("BinaryDataByteOrderMSB") ?? fields.GetValueOrDefault("ElementByteOrderMSB") ?? "False");
        double[] spacing = Numbers(path, fields, "ElementSpacing", dims, required: false)
            ?? Numbers(path, fields, "ElementSize", dims, required: false)
            ?? Enumerable.Repeat(1.0, dims).ToArray();
        string originKey = new[] { "Offset", "Position", "Origin" }.LastOrDefault(fields.ContainsKey) ?? "Offset";
        double[] origin = Numbers(path, fields, originKey, dims, required: false) ?? new double[dims];
        string matrixKey = new[] { "TransformMatrix", "Rotation", "Orientation" }.LastOrDefault(fields.ContainsKey) ?? "TransformMatrix";
        double[]? stored = Numbers(path, fields, matrixKey, dims * dims, required: false);
        double[] direction = ItkHeaderChecks.Identity(dims);
        if (stored is not null)
        {
            for (int column = 0; column < dims; column++)
            {
                for (int row = 0; row < dims; row++)
                {
                    direction[(row * dims) + column] = stored[(column * dims) + row];
                }
            }
        }

        bool compressed = fields.TryGetValue("CompressedData", out string? c) && IsTrue(c);
        // ITK 5.2 cannot decompress a stream whose size is not given (it reports "Uncompress failed" and returns garbage).
        long compressedBytes = compressed ? Integer(path, fields, "CompressedDataSize", required: true, 1, long.MaxValue) : -1;
        string dataPath;
        long offset;
        if (dataFile == "LOCAL")
        {
            dataPath = path;
            offset = lines.Position;
        }
        else
        {
            if (dataFile.StartsWith("LIST", StringComparison.Ordinal) || dataFile.Contains('%', StringComparison.Ordinal))
            {
                throw new ItkFormatException(path, FormatName, "ElementDataFile", $"'{Shorten(dataFile)}': lists and numbered patterns of data files are not supported");
            }

            dataPath = DetachedDataFile.Resolve(path, dataFile, FormatName, "ElementDataFile");
            offset = Integer(path, fields, "HeaderSize", required: false, -1, long.MaxValue, fallback: 0);
            if (offset == -1 && compressed)
            {
                throw new ItkFormatException(path, FormatName, "HeaderSize", "-1 (data at the end of the file) cannot locate compressed data");
            }
        }

        var header = new ItkImageHeader(
            path, FormatName, size, spacing, origin, direction, type, bigEndian, dataPath, offset,
            compressed ? ItkDataEncoding.Zlib : ItkDataEncoding.Raw, compressedBytes, 0);
        return ItkHeaderChecks.Checked(header, "DimSize", "ElementSpacing", originKey, matrixKey);
    }

    private static NiftiDataType ElementType(string path, Dictionary<string, string> fields)
    {
        if (!fields.TryGetValue("ElementType", out string? name))
        {
            throw new ItkFormatException(path, FormatName, "ElementType", "missing");
        }

        // MetaIO's sizes: MET_LONG/MET_ULONG are 4 bytes, MET_LONG_LONG/MET_ULONG_LONG 8 (metaTypes.h).
        return name switch
        {
            "MET_CHAR" => NiftiDataType.Int8,
            "MET_UCHAR" => NiftiDataType.UInt8,
            "MET_SHORT" => NiftiDataType.Int16,
            "MET_USHORT" => NiftiDataType.UInt16,
            "MET_INT" or "MET_LONG" => NiftiDataType.Int32,
            "MET_UINT" or "MET_ULONG" => NiftiDataType.UInt32,
            "MET_LONG_LONG" => NiftiDataType.Int64,
            "MET_ULONG_LONG" => NiftiDataType.UInt64,
            "MET_FLOAT" => NiftiDataType.Float32,
            "MET_DOUBLE" => NiftiDataType.Float64,
            _ => throw new ItkFormatException(path, FormatName, "ElementType", $"'{Shorten(name)}' is not supported (8 to 64-bit integers, MET_FLOAT, MET_DOUBLE)"),
        };
    }

    /// <summary>MetaIO's booleans: a value starting with T or t (True, true, T) is true.</summary>
    private static bool IsTrue(string value) => value.Length > 0 && (value[0] == 'T' || value[0] == 't');

    private static long Integer(string path, Dictionary<string, string> fields, string key, bool required, long min, long max, long fallback = 0)
    {
        if (!fields.TryGetValue(key, out string? text))
        {
            return required ? throw new ItkFormatException(path, FormatName, key, "missing") : fallback;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) || value < min || value > max)
        {
            throw new ItkFormatException(path, FormatName, key, $"'{Shorten(text)}' is not a whole number from {min} to {max}");
        }

        return value;
    }

    /// <summary>Exactly <paramref name="count"/> numbers separated by spaces, or null when the key is absent and not required.</summary>
    private static double[]? Numbers(string path, Dictionary<string, string> fields, string key, int count, bool required)
    {
        if (!fields.TryGetValue(key, out string? text))
        {
            return required ? throw new ItkFormatException(path, FormatName, key, "missing") : null;
        }

        string[] parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < count)
        {
            throw new ItkFormatException(path, FormatName, key, $"needs {count} numbers, got {parts.Length}");
        }

        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new ItkFormatException(path, FormatName, key, $"'{Shorten(parts[i])}' is not a number");
            }
        }

        return values;
    }

    internal static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
