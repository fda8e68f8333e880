using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace SegEngine.Io;

/// <summary>
/// Writes a 2-D label image as PNG or BMP (chosen by the name, as imageio does), the way Pillow stores nnU-Net's arrays:
/// uint8 as 8-bit grey, uint16 as 16-bit grey PNG; Pillow cannot write 16-bit BMP, so neither do we. Encoded by
/// SixLabors.ImageSharp, atomically.
/// </summary>
internal static class NaturalImageWriting
{
    public static void Write(string path, ReadOnlySpan<ushort> labels, int height, int width, bool wide)
    {
        bool bmp = path.EndsWith(".bmp", StringComparison.OrdinalIgnoreCase);
        if (!bmp && !path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{path}: NaturalImage2DIO writes .png, .bmp or .tif");
        }

        if (bmp && wide)
        {
            throw new SegEngineException(
                SegErrorCode.InvalidInput, $"{path}: labels of 255 and more need 16 bits, which BMP cannot hold (nnU-Net's Pillow refuses it too); use .png or .tif");
        }

        try
        {
            using AtomicFile output = AtomicFile.Create(path);
            if (wide)
            {
                using var image = new Image<L16>(width, height);
                Fill(image, labels, v => new L16(v));
                image.Save(output.Stream, Encoder(bmp, wide));
            }
            else
            {
                using var image = new Image<L8>(width, height);
                Fill(image, labels, v => new L8((byte)v));
                image.Save(output.Stream, Encoder(bmp, wide));
            }

            output.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: could not write the segmentation: {e.Message}", e);
        }
    }

    private static IImageEncoder Encoder(bool bmp, bool wide) => bmp
        ? new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel8 }
        : new PngEncoder
        {
            ColorType = PngColorType.Grayscale,
            BitDepth = wide ? PngBitDepth.Bit16 : PngBitDepth.Bit8,
            IgnoreMetadata = true,
        };

    private static void Fill<TPixel>(Image<TPixel> image, ReadOnlySpan<ushort> labels, Func<ushort, TPixel> pixel)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        ushort[] copy = labels.ToArray();
        int width = image.Width;
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<TPixel> row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    row[x] = pixel(copy[(y * width) + x]);
                }
            }
        });
    }
}
