using BitMiracle.LibTiff.Classic;

namespace SegEngine.Io;

/// <summary>
/// Reads a TIFF's stored samples as <c>tifffile.imread</c> (2023.2) returns them for a plain multi-page file: one series
/// of all pages, shape (pages, height, width, samples) for interleaved samples or (pages, samples, height, width) for
/// planar ones, each axis of length 1 left out; values cast to float32 as numpy does. Decoding (strips or tiles, every
/// compression libtiff knows, predictors, byte order) is BitMiracle.LibTiff.NET's.
/// </summary>
/// <remarks>
/// Bounded allocation: nothing is allocated from the directories' numbers before their decoded size is checked against
/// what the strips or tiles in the file can expand to (stored bytes for uncompressed data, a codec's largest ratio
/// otherwise). Pages that differ in shape or sample type, volumetric pages (ImageDepth), 24-bit or complex samples and
/// JPEG/YCbCr data (which tifffile converts to RGB) are refused with the field named.
/// </remarks>
internal static class TiffSamples
{
    /// <summary>Most decoded bytes one stored byte can give: LZW's 12-bit code emits at most 4096 bytes.</summary>
    private const long MaxCompressionRatio = 4096;

    private const long SlackBytes = 1 << 16;

    static TiffSamples() => Tiff.SetErrorHandler(new TiffThrowingErrorHandler());

    /// <summary>
    /// Decodes every page into the span <paramref name="allocate"/> returns for the array's shape (tifffile's, C order),
    /// after the layout has been checked against the file's size.
    /// </summary>
    public static void Read(string path, Func<long[], Span<float>> allocate) => Open(path, (tiff, fileLength) =>
    {
        TiffLayout layout = Inspect(tiff, path, fileLength);
        tiff.SetDirectory(0);
        Span<float> destination = allocate(ShapedDescription(tiff, layout) ?? layout.Shape);
        if (destination.Length != layout.Elements)
        {
            throw new InvalidOperationException($"{path}: {destination.Length} values allocated for {layout.Elements}");
        }

        for (short page = 0; page < layout.Pages; page++)
        {
            tiff.SetDirectory(page);
            DecodePage(tiff, layout, destination.Slice((int)(page * (long)layout.Height * layout.Width * layout.Samples), layout.Height * layout.Width * layout.Samples), path);
        }

        return true;
    });

    /// <summary>The shape <see cref="Read"/> would allocate, from the directories alone: no strip or tile is decoded.</summary>
    public static long[] Shape(string path) => Open(path, (tiff, fileLength) =>
    {
        TiffLayout layout = Inspect(tiff, path, fileLength);
        tiff.SetDirectory(0);
        return ShapedDescription(tiff, layout) ?? layout.Shape;
    });

    /// <summary>Opens <paramref name="path"/> with libtiff and runs <paramref name="use"/>, every libtiff failure named as the file's.</summary>
    private static T Open<T>(string path, Func<Tiff, long, T> use)
    {
        using FileStream file = InputFile.OpenRead(path);
        long fileLength = file.Length;
        Tiff tiff;
        try
        {
            tiff = Tiff.ClientOpen(path, "r", file, new TiffStream())
                ?? throw Invalid(path, "header", "not a TIFF file (no TIFF signature or first directory)");
        }
        catch (Exception e) when (e is not (SegEngineException or OutOfMemoryException))
        {
            throw Invalid(path, "header", e.Message);
        }

        using (tiff)
        {
            try
            {
                return use(tiff, fileLength);
            }
            catch (Exception e) when (e is not (SegEngineException or OutOfMemoryException or InvalidOperationException))
            {
                // libtiff's own errors (TiffLibraryException), and whatever a corrupt stream makes the port throw.
                throw Invalid(path, "data", e is TiffLibraryException ? e.Message : $"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static TiffLayout Inspect(Tiff tiff, string path, long fileLength)
    {
        int pages = tiff.NumberOfDirectories();
        if (pages < 1 || pages > short.MaxValue)
        {
            throw Invalid(path, "IFD", $"{pages} pages");
        }

        TiffLayout? first = null;
        long storedBytes = 0;
        long ratio = 1;
        for (short page = 0; page < pages; page++)
        {
            if (!tiff.SetDirectory(page))
            {
                throw Invalid(path, $"IFD {page}", "cannot be read");
            }

            TiffLayout layout = PageLayout(tiff, path, page, pages);
            if (first is TiffLayout expected && layout != expected)
            {
                throw Invalid(path, $"IFD {page}", $"page {page} is {layout.Describe()}, page 0 is {expected.Describe()}: tifffile would read them as separate series");
            }

            first = layout;
            var compression = (Compression)Field(tiff, TiffTag.COMPRESSION, 1);
            if (compression is Compression.JPEG or Compression.OJPEG)
            {
                throw Invalid(path, "Compression", "JPEG-compressed TIFF is lossy and converted to RGB by tifffile; not supported");
            }

            if (!tiff.IsCodecConfigured(compression))
            {
                // LZMA (34925), ZSTD, WebP...: tifffile decodes them through imagecodecs; LibTiff.NET has no codec for them.
                throw Invalid(path, "Compression", $"compression scheme {(int)compression} is not supported (LibTiff.NET has no decoder for it)");
            }

            ratio = Math.Max(ratio, compression == Compression.NONE ? 1 : MaxCompressionRatio);
            FieldValue[]? counts = tiff.GetField(tiff.IsTiled() ? TiffTag.TILEBYTECOUNTS : TiffTag.STRIPBYTECOUNTS);
            if (counts is null)
            {
                throw Invalid(path, tiff.IsTiled() ? "TileByteCounts" : "StripByteCounts", "missing");
            }

            foreach (long count in counts[0].TolongArray() ?? [])
            {
                storedBytes += Math.Max(0, count);
            }
        }

        TiffLayout result = first!.Value;
        long decodedBytes = checked(result.Elements * Math.Max(1, result.Bits) / 8);
        if (storedBytes > fileLength)
        {
            throw Invalid(path, "StripByteCounts", $"the strips or tiles claim {storedBytes} bytes, the file has {fileLength}");
        }

        if (decodedBytes > checked((storedBytes * ratio) + SlackBytes))
        {
            throw Invalid(path, "ImageWidth", $"{result.Describe()} need {decodedBytes} decoded bytes, more than the {storedBytes} stored bytes can hold");
        }

        if (result.Elements > Array.MaxLength)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"{path}: {result.Elements} samples exceed the largest single buffer");
        }

        return result;
    }

    /// <summary>
    /// tifffile's "shaped" series: a file it wrote carries <c>{"shape": [...]}</c> as the first page's ImageDescription, and
    /// reading it back gives that shape (length-1 axes included) whenever it holds the same number of samples.
    /// </summary>
    private static long[]? ShapedDescription(Tiff tiff, TiffLayout layout)
    {
        FieldValue[]? field = tiff.GetField(TiffTag.IMAGEDESCRIPTION);
        string? text = field is { Length: > 0 } ? field[0].ToString() : null;
        if (text is null || !text.StartsWith('{'))
        {
            return null;
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(text.TrimEnd('\0'));
            if (!json.RootElement.TryGetProperty("shape", out var shape) || shape.ValueKind != System.Text.Json.JsonValueKind.Array)
            {
                return null;
            }

            long[] axes = shape.EnumerateArray().Select(e => e.TryGetInt64(out long v) ? v : -1).ToArray();
            long product = 1;
            foreach (long axis in axes)
            {
                product = axis < 1 ? -1 : product * axis;
                if (product < 0 || product > layout.Elements)
                {
                    return null;
                }
            }

            return product == layout.Elements ? axes : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static TiffLayout PageLayout(Tiff tiff, string path, short page, int pages)
    {
        int width = Field(tiff, TiffTag.IMAGEWIDTH, -1);
        int height = Field(tiff, TiffTag.IMAGELENGTH, -1);
        int samples = Field(tiff, TiffTag.SAMPLESPERPIXEL, 1);
        int bits = Field(tiff, TiffTag.BITSPERSAMPLE, 1);
        var format = (SampleFormat)Field(tiff, TiffTag.SAMPLEFORMAT, 1);
        var planar = (PlanarConfig)Field(tiff, TiffTag.PLANARCONFIG, 1);
        var photometric = (Photometric)Field(tiff, TiffTag.PHOTOMETRIC, 1);
        if (width < 1 || height < 1)
        {
            throw Invalid(path, width < 1 ? "ImageWidth" : "ImageLength", $"page {page} is {width} x {height}");
        }

        if (samples < 1 || samples > 64)
        {
            throw Invalid(path, "SamplesPerPixel", $"{samples}");
        }

        if (Field(tiff, TiffTag.IMAGEDEPTH, 1) != 1)
        {
            throw Invalid(path, "ImageDepth", "volumetric (SGI ImageDepth) pages are not supported");
        }

        if (photometric == Photometric.YCBCR)
        {
            throw Invalid(path, "PhotometricInterpretation", "YCbCr data (tifffile converts it to RGB) is not supported");
        }

        bool supported = format switch
        {
            SampleFormat.UINT => bits is 1 or 8 or 16 or 32 or 64,
            SampleFormat.INT => bits is 8 or 16 or 32 or 64,
            SampleFormat.IEEEFP => bits is 16 or 32 or 64,
            _ => false,
        };
        if (!supported)
        {
            throw Invalid(path, "BitsPerSample", $"{bits}-bit {format} samples are not supported");
        }

        return new TiffLayout(pages, height, width, samples, planar == PlanarConfig.SEPARATE, bits, format);
    }

    private static void DecodePage(Tiff tiff, TiffLayout layout, Span<float> page, string path)
    {
        int planes = layout.Planar ? layout.Samples : 1;
        int perPixel = layout.Planar ? 1 : layout.Samples;
        if (tiff.IsTiled())
        {
            int tileWidth = Field(tiff, TiffTag.TILEWIDTH, 0), tileHeight = Field(tiff, TiffTag.TILELENGTH, 0);
            if (tileWidth < 1 || tileHeight < 1)
            {
                throw Invalid(path, "TileWidth", $"{tileWidth} x {tileHeight}");
            }

            long rowBytes = ((((long)tileWidth * perPixel * layout.Bits) + 7) / 8);
            var buffer = new byte[checked((int)(rowBytes * tileHeight))];
            for (short plane = 0; plane < planes; plane++)
            {
                for (int y = 0; y < layout.Height; y += tileHeight)
                {
                    for (int x = 0; x < layout.Width; x += tileWidth)
                    {
                        int tile = tiff.ComputeTile(x, y, 0, plane);
                        Expect(tiff.ReadEncodedTile(tile, buffer, 0, buffer.Length), buffer.Length, path, $"tile {tile}");
                        int rows = Math.Min(tileHeight, layout.Height - y), columns = Math.Min(tileWidth, layout.Width - x);
                        for (int r = 0; r < rows; r++)
                        {
                            Place(buffer.AsSpan((int)(r * rowBytes)), layout, page, plane, y + r, x, columns);
                        }
                    }
                }
            }

            return;
        }

        int rowsPerStrip = Math.Clamp(Field(tiff, TiffTag.ROWSPERSTRIP, layout.Height), 1, layout.Height);
        long stripRowBytes = ((((long)layout.Width * perPixel * layout.Bits) + 7) / 8);
        var strip = new byte[checked((int)(stripRowBytes * rowsPerStrip))];
        for (short plane = 0; plane < planes; plane++)
        {
            for (int y = 0; y < layout.Height; y += rowsPerStrip)
            {
                int rows = Math.Min(rowsPerStrip, layout.Height - y);
                int index = tiff.ComputeStrip(y, plane);
                int want = (int)(stripRowBytes * rows);
                Expect(tiff.ReadEncodedStrip(index, strip, 0, want), want, path, $"strip {index}");
                for (int r = 0; r < rows; r++)
                {
                    Place(strip.AsSpan((int)(r * stripRowBytes)), layout, page, plane, y + r, 0, layout.Width);
                }
            }
        }
    }

    private static void Expect(int got, int want, string path, string what)
    {
        if (got < want)
        {
            throw Invalid(path, "data", $"{what} decodes to {Math.Max(got, 0)} bytes, {want} expected (truncated or corrupt)");
        }
    }

    /// <summary>Converts one decoded row of <paramref name="columns"/> pixels (native byte order) into the page at (row, x).</summary>
    private static void Place(ReadOnlySpan<byte> row, TiffLayout layout, Span<float> page, int plane, int y, int x, int columns)
    {
        int perPixel = layout.Planar ? 1 : layout.Samples;
        int count = columns * perPixel;
        int bytes = layout.Bits / 8;
        for (int i = 0; i < count; i++)
        {
            int column = x + (i / perPixel);
            int sample = layout.Planar ? plane : i % perPixel;
            int target = layout.Planar
                ? (((plane * layout.Height) + y) * layout.Width) + column
                : (((y * layout.Width) + column) * layout.Samples) + sample;
            page[target] = layout.Bits == 1 ? (row[i >> 3] >> (7 - (i & 7))) & 1 : Sample(row.Slice(i * bytes, bytes), layout);
        }
    }

    /// <summary>numpy's cast of one stored sample to float32 (every integer and float64 rounded once, to nearest).</summary>
    private static float Sample(ReadOnlySpan<byte> b, TiffLayout layout) => (layout.Format, layout.Bits) switch
    {
        (SampleFormat.UINT, 8) => b[0],
        (SampleFormat.INT, 8) => (sbyte)b[0],
        (SampleFormat.UINT, 16) => BitConverter.ToUInt16(b),
        (SampleFormat.INT, 16) => BitConverter.ToInt16(b),
        (SampleFormat.UINT, 32) => BitConverter.ToUInt32(b),
        (SampleFormat.INT, 32) => BitConverter.ToInt32(b),
        (SampleFormat.UINT, 64) => BitConverter.ToUInt64(b),
        (SampleFormat.INT, 64) => BitConverter.ToInt64(b),
        (SampleFormat.IEEEFP, 16) => (float)BitConverter.ToHalf(b),
        (SampleFormat.IEEEFP, 32) => BitConverter.ToSingle(b),
        (SampleFormat.IEEEFP, 64) => (float)BitConverter.ToDouble(b),
        _ => throw new InvalidOperationException($"unchecked sample type {layout.Format} {layout.Bits}"),
    };

    private static int Field(Tiff tiff, TiffTag tag, int fallback)
    {
        FieldValue[]? value = tiff.GetField(tag);
        if (value is null || value.Length == 0)
        {
            value = tiff.GetFieldDefaulted(tag);
        }

        return value is null || value.Length == 0 ? fallback : value[0].ToInt();
    }

    internal static SegEngineException Invalid(string path, string field, string problem) =>
        new(SegErrorCode.InvalidInput, $"{path}: TIFF {field}: {problem}");
}
