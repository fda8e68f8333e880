namespace SegEngine.Io.Itk;

/// <summary>
/// Parses a NRRD header (<c>NRRD0001</c> … <c>NRRD0005</c>; <c>.nrrd</c> with attached voxels after the blank line, or a
/// header naming a <c>data file</c>). Geometry as ITK's NrrdImageIO gives it through NrrdIO's <c>nrrdSpacingCalculate</c>:
/// spacing = ‖space direction‖ (square root of the sum of squares), direction column = (1 / spacing) · space direction;
/// spaces RAS and LAS are converted to LPS as ITK does (RAS negates x and y, LAS only x, as ITK 5.2's code does; other
/// spaces, e.g. scanner-xyz or the time-extended ones, are kept as they are). Without a space: spacing from
/// <c>spacings</c> (else 1), identity direction, origin from <c>axis mins</c> (cell-centred unless <c>centers</c> says node).
/// </summary>
/// <remarks>
/// Refused: encodings other than raw and gzip (ascii, hex, bzip2: a clear error), non-scalar pixels (an axis whose kind is
/// neither domain, space, time nor unknown), lists and numbered patterns of data files, a space whose dimension differs
/// from the number of axes, and <c>spacings</c> beside a space (ITK refuses both).
/// </remarks>
internal static class NrrdHeader
{
    public const string FormatName = "NRRD";

    private static readonly string[] DomainKinds = ["domain", "space", "time", "???", "none"];

    public static ItkImageHeader Read(string path)
    {
        using FileStream file = InputFile.OpenRead(path);
        var lines = new HeaderLines(file, path, FormatName);
        string? magic = lines.Next();
        if (magic is null || magic.Length != 8 || !magic.StartsWith("NRRD000", StringComparison.Ordinal) || magic[7] is < '1' or > '5')
        {
            throw new ItkFormatException(path, FormatName, "magic", "the file does not start with NRRD0001 … NRRD0005");
        }

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        bool blankLine = false;
        while (lines.Next() is string line)
        {
            if (line.Length == 0)
            {
                blankLine = true;
                break;
            }

            if (line.StartsWith('#') || line.Contains(":=", StringComparison.Ordinal))
            {
                continue;
            }

            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new ItkFormatException(path, FormatName, "header", $"line '{MetaImageHeader.Shorten(line)}' is not 'field: value'");
            }

            string name = Canonical(line[..colon]);
            CheckOrder(path, name, fields);
            fields[name] = line[(colon + 2)..].Trim();
            if (name == "datafile" && fields[name].StartsWith("LIST", StringComparison.Ordinal))
            {
                // The file names follow, one per line, to the end of the header.
                break;
            }
        }

        var h = new NrrdFields(path, fields);
        int dimension = (int)h.Integer("dimension", 1, 16, required: true);
        long[] sizes = h.Integers("sizes", dimension);
        NiftiDataType type = Type(path, h.Text("type") ?? throw new ItkFormatException(path, FormatName, "type", "missing"));
        string[] kinds = h.Words("kinds", dimension) ?? Enumerable.Repeat("???", dimension).ToArray();
        int rangeAxis = Array.FindIndex(kinds, k => !DomainKinds.Contains(k, StringComparer.OrdinalIgnoreCase));
        if (rangeAxis >= 0)
        {
            throw new ItkFormatException(
                path, FormatName, "kinds", $"axis {rangeAxis} is of kind '{kinds[rangeAxis]}' (a pixel component axis): SimpleITKIO reads scalar images only (nnU-Net would mistake the component axis for a spatial one)");
        }

        (int spaceDim, NrrdSpace space) = Space(h, dimension);
        double[] spacing = Enumerable.Repeat(1.0, dimension).ToArray();
        double[] direction = ItkHeaderChecks.Identity(dimension);
        double[] origin = new double[dimension];
        double[]? spacings = h.Doubles("spacings", dimension);
        if (spaceDim > 0)
        {
            if (spacings is not null && spacings.Any(s => !double.IsNaN(s)))
            {
                throw new ItkFormatException(path, FormatName, "spacings", "given beside a space and space directions (ITK refuses this too)");
            }

            Directions(h, dimension, space, spacing, direction);
            double[]? spaceOrigin = h.Vector("spaceorigin", spaceDim);
            if (spaceOrigin is not null && !double.IsNaN(spaceOrigin[0]))
            {
                for (int i = 0; i < dimension; i++)
                {
                    origin[i] = space.Flip(i) * spaceOrigin[i];
                }
            }
        }
        else
        {
            if (spacings is not null)
            {
                for (int i = 0; i < dimension; i++)
                {
                    spacing[i] = double.IsNaN(spacings[i]) ? 1.0 : spacings[i];
                }
            }

            origin = OriginFromAxisMins(h, dimension, sizes, spacings) ?? origin;
        }

        (string dataPath, long offset, ItkDataEncoding encoding, long skipAfter) = Data(h, path, lines.Position, blankLine);
        bool bigEndian = false;
        if (NiftiDataTypes.BytesPerVoxel((short)type) > 1)
        {
            string endian = h.Text("endian") ?? throw new ItkFormatException(path, FormatName, "endian", "missing (needed for multi-byte voxels)");
            bigEndian = endian.ToLowerInvariant() switch
            {
                "little" => false,
                "big" => true,
                _ => throw new ItkFormatException(path, FormatName, "endian", $"'{MetaImageHeader.Shorten(endian)}' is neither little nor big"),
            };
        }

        var header = new ItkImageHeader(path, FormatName, sizes, spacing, origin, direction, type, bigEndian, dataPath, offset, encoding, -1, skipAfter);
        return ItkHeaderChecks.Checked(header, "sizes", spaceDim > 0 ? "space directions" : "spacings", spaceDim > 0 ? "space origin" : "axis mins", "space directions");
    }

    /// <summary>NrrdIO parses fields in order: per-axis fields need the dimension first, and vectors in space need the space.</summary>
    private static void CheckOrder(string path, string name, Dictionary<string, string> seen)
    {
        if (name is "sizes" or "spacings" or "thicknesses" or "axismins" or "axismaxs" or "spacedirections" or "centers" or "kinds" or "labels" or "units"
            && !seen.ContainsKey("dimension"))
        {
            throw new ItkFormatException(path, FormatName, name, "comes before 'dimension' (NrrdIO reads fields in order and refuses this)");
        }

        if (name is "spacedirections" or "spaceorigin" or "spaceunits" or "measurementframe"
            && !seen.ContainsKey("space") && !seen.ContainsKey("spacedimension"))
        {
            throw new ItkFormatException(path, FormatName, name, "comes before 'space' or 'space dimension', or neither is given (NrrdIO refuses this)");
        }
    }

    /// <summary>Field names without their optional inner space (NRRD accepts both <c>byte skip</c> and <c>byteskip</c>).</summary>
    private static string Canonical(string name) => name.Trim().Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant() switch
    {
        "centerings" => "centers",
        string other => other,
    };

    private static NiftiDataType Type(string path, string name) => name.ToLowerInvariant() switch
    {
        "signed char" or "int8" or "int8_t" => NiftiDataType.Int8,
        "uchar" or "unsigned char" or "uint8" or "uint8_t" => NiftiDataType.UInt8,
        "short" or "short int" or "signed short" or "signed short int" or "int16" or "int16_t" => NiftiDataType.Int16,
        "ushort" or "unsigned short" or "unsigned short int" or "uint16" or "uint16_t" => NiftiDataType.UInt16,
        "int" or "signed int" or "int32" or "int32_t" => NiftiDataType.Int32,
        "uint" or "unsigned int" or "uint32" or "uint32_t" => NiftiDataType.UInt32,
        "longlong" or "long long" or "long long int" or "signed long long" or "signed long long int" or "int64" or "int64_t" => NiftiDataType.Int64,
        "ulonglong" or "unsigned long long" or "unsigned long long int" or "uint64" or "uint64_t" => NiftiDataType.UInt64,
        "float" => NiftiDataType.Float32,
        "double" => NiftiDataType.Float64,
        _ => throw new ItkFormatException(path, FormatName, "type", $"'{MetaImageHeader.Shorten(name)}' is not supported (8 to 64-bit integers, float, double)"),
    };

    private static (int SpaceDim, NrrdSpace Space) Space(NrrdFields h, int dimension)
    {
        string? name = h.Text("space");
        long declared = h.Integer("spacedimension", 1, 16, required: false);
        if (name is not null && declared > 0)
        {
            throw new ItkFormatException(h.Path, FormatName, "space dimension", "given beside 'space' (NRRD allows one of them)");
        }

        NrrdSpace space = name is null ? NrrdSpace.Unnamed((int)declared) : NrrdSpace.Parse(name, h.Path);
        if (space.Dimension > 0 && space.Dimension != dimension)
        {
            throw new ItkFormatException(
                h.Path, FormatName, name is null ? "space dimension" : "space", $"a {space.Dimension}D space for {dimension} axes (ITK requires them to agree)");
        }

        return (space.Dimension, space);
    }

    /// <summary>nrrdSpacingCalculate per axis, then ITK's flip of RAS/LAS into LPS; an axis without a direction keeps spacing 1 and its identity column.</summary>
    private static void Directions(NrrdFields h, int dimension, NrrdSpace space, double[] spacing, double[] direction)
    {
        string[] vectors = h.Vectors("spacedirections", dimension) ?? Enumerable.Repeat("none", dimension).ToArray();
        for (int axis = 0; axis < dimension; axis++)
        {
            if (vectors[axis].Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            double[] v = NrrdFields.ParseVector(vectors[axis], dimension, h.Path, "space directions");
            if (v.Any(double.IsNaN))
            {
                continue;
            }

            double sum = 0;
            for (int i = 0; i < dimension; i++)
            {
                sum += v[i] * v[i];
            }

            double length = Math.Sqrt(sum);
            double scale = 1.0 / length;
            spacing[axis] = length;
            for (int i = 0; i < dimension; i++)
            {
                direction[(i * dimension) + axis] = space.Flip(i) * (scale * v[i]);
            }
        }
    }

    /// <summary>nrrdOriginCalculate with cell centring by default: min (+ spacing / 2 for cell-centred axes); null when an axis has no min, or neither a max nor a spacing.</summary>
    private static double[]? OriginFromAxisMins(NrrdFields h, int dimension, long[] sizes, double[]? spacings)
    {
        double[]? mins = h.Doubles("axismins", dimension);
        double[]? maxs = h.Doubles("axismaxs", dimension);
        string[] centers = h.Words("centers", dimension) ?? Enumerable.Repeat("???", dimension).ToArray();
        if (mins is null || mins.Any(double.IsNaN))
        {
            return null;
        }

        var origin = new double[dimension];
        for (int i = 0; i < dimension; i++)
        {
            bool cell = !centers[i].Equals("node", StringComparison.OrdinalIgnoreCase);
            double step;
            if (spacings is not null && !double.IsNaN(spacings[i]))
            {
                step = spacings[i];
            }
            else if (maxs is not null && !double.IsNaN(maxs[i]))
            {
                step = (maxs[i] - mins[i]) / (cell ? sizes[i] : sizes[i] - 1);
            }
            else
            {
                return null;
            }

            origin[i] = mins[i] + (cell ? step / 2 : 0);
        }

        return origin;
    }

    /// <summary>Where the voxels are: attached after the blank line, or in the named data file; then line skip, byte skip and the encoding.</summary>
    private static (string DataPath, long Offset, ItkDataEncoding Encoding, long SkipAfter) Data(NrrdFields h, string path, long headerEnd, bool blankLine)
    {
        string encodingName = h.Text("encoding") ?? throw new ItkFormatException(path, FormatName, "encoding", "missing");
        ItkDataEncoding encoding = encodingName.ToLowerInvariant() switch
        {
            "raw" => ItkDataEncoding.Raw,
            "gzip" or "gz" => ItkDataEncoding.Gzip,
            _ => throw new ItkFormatException(path, FormatName, "encoding", $"'{MetaImageHeader.Shorten(encodingName)}' is not supported (raw and gzip are; ascii, hex and bzip2 are not)"),
        };

        string dataPath = path;
        long offset = headerEnd;
        string? dataFile = h.Text("datafile");
        if (dataFile is not null)
        {
            if (dataFile.StartsWith("LIST", StringComparison.Ordinal) || dataFile.Contains('%', StringComparison.Ordinal))
            {
                throw new ItkFormatException(path, FormatName, "data file", $"'{MetaImageHeader.Shorten(dataFile)}': lists and numbered patterns of data files are not supported");
            }

            dataPath = DetachedDataFile.Resolve(path, dataFile, FormatName, "data file");
            offset = 0;
        }
        else if (!blankLine)
        {
            throw new ItkFormatException(path, FormatName, "header", "no blank line ends the header and no data file is named: the voxels are missing");
        }

        long lineSkip = h.Integer("lineskip", 0, int.MaxValue, required: false);
        long byteSkip = h.Integer("byteskip", -1, long.MaxValue, required: false);
        if (lineSkip > 0)
        {
            offset = SkipLines(dataPath, offset, lineSkip, path);
        }

        if (byteSkip == -1)
        {
            if (encoding != ItkDataEncoding.Raw)
            {
                throw new ItkFormatException(path, FormatName, "byte skip", "-1 (data at the end of the file) is only allowed with raw encoding");
            }

            return (dataPath, -1, encoding, 0);
        }

        return encoding == ItkDataEncoding.Raw ? (dataPath, offset + byteSkip, encoding, 0) : (dataPath, offset, encoding, byteSkip);
    }

    private static long SkipLines(string dataPath, long offset, long lines, string headerPath)
    {
        using FileStream data = InputFile.OpenRead(dataPath);
        data.Position = offset;
        while (lines > 0)
        {
            int b = data.ReadByte();
            if (b < 0)
            {
                throw new ItkFormatException(headerPath, FormatName, "line skip", $"the data file ends before {lines} more line(s)");
            }

            if (b == '\n')
            {
                lines--;
            }
        }

        return data.Position;
    }
}
