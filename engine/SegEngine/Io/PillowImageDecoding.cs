using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace SegEngine.Io;

/// <summary>
/// PNG and BMP as <c>skimage.io.imread</c> returns them on Debian 12 (scikit-image 0.19 → imageio 2.4 → Pillow 9.4):
/// grey (any depth up to 8 bits, and 16-bit grey as stored) → one channel; RGB → 3; grey+alpha, RGBA, a palette with
/// transparency, and a palette that is not grey → 4 (RGBA, alpha 255 where the file has none); a grey palette → one
/// channel of its grey values; 16-bit colour samples keep their high byte (Pillow's 8-bit colour modes).
/// Pixels are decoded by SixLabors.ImageSharp with only its PNG and BMP decoders registered.
/// </summary>
/// <remarks>
/// Before ImageSharp sees the file its header is checked here: the declared size must fit what the file can hold
/// (uncompressed BMP rows must be in the file, PNG's deflate stream can expand at most 1032:1) and stay under
/// <see cref="MaxPixels"/>. 16-bit BMP (5-5-5, or 5-6-5 bit fields) is RGB with Pillow's channel widening, recovered from
/// ImageSharp's; BMP bit fields Pillow does not know (other than BGRX/BGRA at 32 bits, 5-5-5/5-6-5 at 16) are refused.
/// </remarks>
internal static class PillowImageDecoding
{
    /// <summary>Pixels per image (16384²): ImageSharp decodes into 8 bytes per pixel here, and the result takes 4 per channel.</summary>
    internal const long MaxPixels = 1L << 28;

    private const long MaxDeflateRatio = 1032;

    /// <summary>Bytes that hold the size of either format: PNG's signature and IHDR up to its colour type.</summary>
    private const int SizeBytes = 33;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly Configuration Decoders = new(new PngConfigurationModule(), new BmpConfigurationModule())
    {
        PreferContiguousImageBuffers = false,
        MaxDegreeOfParallelism = 1,
    };

    /// <summary>A decoded image: (channels, height, width) float32, channel-major.</summary>
    internal sealed record Decoded(int Channels, int Height, int Width, float[] Values);

    public static Decoded Read(string path)
    {
        byte[] file;
        using (FileStream stream = InputFile.OpenRead(path))
        {
            if (stream.Length > int.MaxValue)
            {
                throw Invalid(path, "file", $"{stream.Length} bytes is too large for a 2-D image");
            }

            file = new byte[stream.Length];
            stream.ReadExactly(file);
        }

        Header header = file.AsSpan().StartsWith(PngSignature) ? PngHeader(file, path)
            : file.AsSpan().StartsWith("BM"u8) ? BmpHeader(file, path)
            : throw NeitherPngNorBmp(path);

        Image<Rgba64> image;
        try
        {
            image = Image.Load<Rgba64>(Decoders, file);
        }
        catch (Exception e) when (e is not (SegEngineException or OutOfMemoryException))
        {
            // A decoder meeting a corrupt stream may throw anything (ImageFormatException, EndOfStream, an index out of range).
            throw Invalid(path, "data", $"{e.GetType().Name}: {e.Message}");
        }

        using (image)
        {
            if (image.Width != header.Width || image.Height != header.Height)
            {
                throw Invalid(path, "data", $"decoded {image.Width} x {image.Height}, the header says {header.Width} x {header.Height}");
            }

            return Convert(image, header);
        }
    }

    /// <summary>The width and height <see cref="Read"/> would decode, from the first bytes of the file alone.</summary>
    public static (int Width, int Height) Size(string path)
    {
        Span<byte> head = stackalloc byte[SizeBytes];
        using (FileStream stream = InputFile.OpenRead(path))
        {
            head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }

        (long width, long height, string field) = head.StartsWith(PngSignature) ? PngSize(head, path)
            : head.StartsWith("BM"u8) ? BmpSize(head, path)
            : throw NeitherPngNorBmp(path);
        CheckPixels(path, field, width, height);
        return ((int)width, (int)height);
    }

    /// <summary>What the header says, and which of Pillow's results the pixels become.</summary>
    private sealed record Header(int Width, int Height, PillowImageKind Kind, bool FullGrey = false);

    private static Decoded Convert(Image<Rgba64> image, Header header)
    {
        int w = image.Width, h = image.Height, n = w * h;
        PillowImageKind kind = header.Kind;
        if (kind == PillowImageKind.Palette)
        {
            kind = header.FullGrey || IsGrey(image) ? PillowImageKind.Grey8 : PillowImageKind.Rgba;
        }

        int channels = kind switch
        {
            PillowImageKind.Grey8 or PillowImageKind.Grey16 => 1,
            PillowImageKind.Rgb or PillowImageKind.Rgb555 or PillowImageKind.Rgb565 => 3,
            _ => 4,
        };
        int shift = kind == PillowImageKind.Grey16 ? 0 : 8;
        (int redBlueBits, int greenBits) = kind switch { PillowImageKind.Rgb555 => (5, 5), PillowImageKind.Rgb565 => (5, 6), _ => (8, 8) };
        var values = new float[channels * n];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < h; y++)
            {
                Span<Rgba64> row = rows.GetRowSpan(y);
                for (int x = 0; x < w; x++)
                {
                    int i = (y * w) + x;
                    values[i] = PillowLevel(row[x].R >> shift, redBlueBits);
                    if (channels > 1)
                    {
                        values[n + i] = PillowLevel(row[x].G >> shift, greenBits);
                        values[(2 * n) + i] = PillowLevel(row[x].B >> shift, redBlueBits);
                    }

                    if (channels > 3)
                    {
                        values[(3 * n) + i] = row[x].A >> shift;
                    }
                }
            }
        });
        return new Decoded(channels, h, w, values);
    }

    /// <summary>
    /// A channel of <paramref name="bits"/> bits as Pillow widens it to 8: v · 255 / (2^bits − 1), integer division. ImageSharp
    /// widens by repeating the bits (v &lt;&lt; 3 | v &gt;&gt; 2 for 5 bits), so the stored value is the top bits of its byte.
    /// </summary>
    private static int PillowLevel(int value, int bits) =>
        bits == 8 ? value : (value >> (8 - bits)) * 255 / ((1 << bits) - 1);

    /// <summary>Whether every decoded pixel is grey (R = G = B): imageio's test of the palette's used entries.</summary>
    private static bool IsGrey(Image<Rgba64> image)
    {
        bool grey = true;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height && grey; y++)
            {
                foreach (Rgba64 pixel in rows.GetRowSpan(y))
                {
                    grey &= pixel.R == pixel.G && pixel.G == pixel.B;
                }
            }
        });
        return grey;
    }

    private static Header PngHeader(byte[] file, string path)
    {
        (long width, long height, _) = PngSize(file, path);
        int depth = file[24], colour = file[25];
        int samples = colour switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw Invalid(path, "IHDR colour type", $"{colour}") };
        if (depth is not (1 or 2 or 4 or 8 or 16))
        {
            throw Invalid(path, "IHDR bit depth", $"{depth}");
        }

        CheckPixels(path, "IHDR width/height", width, height);
        long rowBytes = ((width * samples * depth) + 7) / 8;
        CheckSize(path, "IHDR width/height", width, height, checked(height * (rowBytes + 1)), checked((file.Length * MaxDeflateRatio) + 4096));
        bool transparency = Chunks(file).Contains("tRNS");
        PillowImageKind kind = colour switch
        {
            0 => depth == 16 ? PillowImageKind.Grey16 : PillowImageKind.Grey8,
            2 => PillowImageKind.Rgb,
            3 => transparency ? PillowImageKind.Rgba : PillowImageKind.Palette,
            _ => PillowImageKind.Rgba,
        };
        return new Header((int)width, (int)height, kind);
    }

    /// <summary>IHDR's width and height (the signature, then IHDR as the first chunk: 33 bytes).</summary>
    private static (long Width, long Height, string Field) PngSize(ReadOnlySpan<byte> file, string path) =>
        file.Length < SizeBytes || !file.Slice(12, 4).SequenceEqual("IHDR"u8)
            ? throw Invalid(path, "IHDR", "missing or truncated")
            : (BinaryPrimitives.ReadUInt32BigEndian(file[16..]), BinaryPrimitives.ReadUInt32BigEndian(file[20..]), "IHDR width/height");

    /// <summary>The DIB header's width and height: 16-bit in a 12-byte BITMAPCOREHEADER, else signed 32-bit, a negative height meaning top-down rows.</summary>
    private static (long Width, long Height, string Field) BmpSize(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < 26)
        {
            throw Invalid(path, "BITMAPINFOHEADER", "truncated");
        }

        bool core = BinaryPrimitives.ReadUInt32LittleEndian(file[14..]) == 12;
        long width = core ? BinaryPrimitives.ReadUInt16LittleEndian(file[18..]) : BinaryPrimitives.ReadInt32LittleEndian(file[18..]);
        long height = core ? BinaryPrimitives.ReadUInt16LittleEndian(file[20..]) : Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(file[22..]));
        return (width, height, "BITMAPINFOHEADER width/height");
    }

    private static SegEngineException NeitherPngNorBmp(string path) =>
        Invalid(path, "signature", "neither PNG nor BMP (NaturalImage2DIO reads .png, .bmp and .tif)");

    /// <summary>The chunk types before IDAT (bounded walk; a broken chain simply ends it).</summary>
    private static HashSet<string> Chunks(byte[] file)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        long offset = 8;
        while (offset + 8 <= file.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan((int)offset));
            string type = System.Text.Encoding.ASCII.GetString(file, (int)offset + 4, 4);
            if (type == "IDAT")
            {
                break;
            }

            types.Add(type);
            offset += 12L + length;
        }

        return types;
    }

    private static Header BmpHeader(byte[] file, string path)
    {
        (long width, long height, _) = BmpSize(file, path);
        uint dataOffset = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(10));
        int dib = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(14)), 1024);
        bool core = dib == 12;
        if (file.Length < 14 + dib || dib < 12)
        {
            throw Invalid(path, "BITMAPINFOHEADER size", $"{dib} bytes in a {file.Length}-byte file");
        }

        int bits = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(core ? 24 : 28));
        uint compression = core ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(30));
        CheckPixels(path, "BITMAPINFOHEADER width/height", width, height);
        if (bits is 0 or > 32)
        {
            throw Invalid(path, "BITMAPINFOHEADER bit count", $"{bits}");
        }

        long rowBytes = (((width * bits) + 31) / 32) * 4;
        bool rle = compression is 1 or 2;
        CheckSize(path, "BITMAPINFOHEADER width/height", width, height, rle ? (width * height) / 256 : checked(rowBytes * height), file.Length - (long)dataOffset);
        switch (bits)
        {
            case 1 or 4 or 8:
                return new Header((int)width, (int)height, PillowImageKind.Palette, LinearGreyPalette(file, dib, core, bits));
            case 16 when compression == 0:
                return new Header((int)width, (int)height, PillowImageKind.Rgb555);
            case 24:
                return new Header((int)width, (int)height, PillowImageKind.Rgb);
            case 32 when compression == 0:
                return new Header((int)width, (int)height, PillowImageKind.Rgb);
            case 16 or 32 when compression == 3:
                return new Header((int)width, (int)height, BitFields(file, dib, bits, path));
            default:
                throw Invalid(path, "BITMAPINFOHEADER bit count", $"{bits}-bit BMP (compression {compression}) is not supported");
        }
    }

    /// <summary>Pillow's bit fields: 32-bit BGRX (RGB) and BGRA (RGBA), 16-bit 5-5-5 and 5-6-5 (alpha ignored); any other masks are refused, as Pillow refuses them.</summary>
    private static PillowImageKind BitFields(byte[] file, int dib, int bits, string path)
    {
        if (file.Length < 14 + 40 + 16)
        {
            throw Invalid(path, "bit fields", "truncated");
        }

        // The masks follow a 40-byte header, or are its fields 40..55 in V2+ headers: the same bytes either way.
        ReadOnlySpan<byte> masks = file.AsSpan(14 + 40, 16);
        uint r = BinaryPrimitives.ReadUInt32LittleEndian(masks), g = BinaryPrimitives.ReadUInt32LittleEndian(masks[4..]),
            b = BinaryPrimitives.ReadUInt32LittleEndian(masks[8..]), a = dib >= 56 ? BinaryPrimitives.ReadUInt32LittleEndian(masks[12..]) : 0;
        return (bits, r, g, b, a) switch
        {
            (32, 0xFF0000, 0xFF00, 0xFF, 0) => PillowImageKind.Rgb,
            (32, 0xFF0000, 0xFF00, 0xFF, 0xFF000000) => PillowImageKind.Rgba,
            (16, 0x7C00, 0x3E0, 0x1F, _) => PillowImageKind.Rgb555,
            (16, 0xF800, 0x7E0, 0x1F, _) => PillowImageKind.Rgb565,
            _ => throw Invalid(path, "bit fields", $"{bits}-bit masks R {r:x8} G {g:x8} B {b:x8} A {a:x8} are not supported (Pillow: unsupported BMP bitfields layout)"),
        };
    }

    /// <summary>Pillow's BMP grey test: colours (0, 255) for two entries, else entry i = (i, i, i) for every entry.</summary>
    private static bool LinearGreyPalette(byte[] file, int dib, bool core, int bits)
    {
        int colours = core ? 0 : (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(46)), 256u);
        colours = colours == 0 ? 1 << bits : colours;
        int entry = core ? 3 : 4, start = 14 + dib;
        if (start + (colours * entry) > file.Length)
        {
            return false;
        }

        for (int i = 0; i < colours; i++)
        {
            int value = colours == 2 ? i * 255 : i;
            ReadOnlySpan<byte> bgr = file.AsSpan(start + (i * entry), 3);
            if (bgr[0] != value || bgr[1] != value || bgr[2] != value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Positive sizes of at most <see cref="MaxPixels"/> pixels: checked before any size is computed from them.</summary>
    private static void CheckPixels(string path, string field, long width, long height)
    {
        if (width < 1 || height < 1)
        {
            throw Invalid(path, field, $"{width} x {height}");
        }

        if (width * height > MaxPixels)
        {
            throw new SegEngineException(SegErrorCode.MemoryBudget, $"{path}: {field}: {width} x {height} pixels exceed the {MaxPixels} a 2-D image may have");
        }
    }

    private static void CheckSize(string path, string field, long width, long height, long needBytes, long haveBytes)
    {
        if (needBytes > haveBytes)
        {
            throw Invalid(path, field, $"{width} x {height} needs {needBytes} bytes of pixel data, the file can hold {Math.Max(haveBytes, 0)} (truncated or corrupt)");
        }
    }

    internal static SegEngineException Invalid(string path, string field, string problem) =>
        new(SegErrorCode.InvalidInput, $"{path}: {field}: {problem}");
}
