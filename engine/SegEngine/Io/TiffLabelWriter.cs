using BitMiracle.LibTiff.Classic;

namespace SegEngine.Io;

/// <summary>
/// Writes a label array as <c>tifffile.imwrite(path, data)</c> (2023.2, no photometric given) lays it out, so that
/// tifffile reads back the same array: a last axis of 3 or 4 becomes interleaved RGB(A) samples, else a first axis of 3
/// or 4 of a 3-D array planar RGB(A) samples, else every leading index one grey page; the first page's ImageDescription
/// is tifffile's <c>{"shape": [...]}</c>. Written atomically with BitMiracle.LibTiff.NET.
/// </summary>
internal static class TiffLabelWriter
{
    /// <summary>Writes <paramref name="labels"/> (C order, <paramref name="shape"/> of 2 or 3 axes) as uint8 or uint16.</summary>
    public static void Write(string path, ReadOnlySpan<ushort> labels, int[] shape, bool wide, bool deflate)
    {
        (int pages, int height, int width, int samples, bool planar) = PageLayout(shape);
        int bytesPerSample = wide ? 2 : 1;
        int pageSamples = height * width * samples;
        try
        {
            // libtiff reads back what it wrote and closes its stream: it writes to memory, then the bytes go out atomically.
            var memory = new MemoryStream();
            using (Tiff tiff = Tiff.ClientOpen(path, "w", memory, new TiffStream())
                ?? throw new SegEngineException(SegErrorCode.Io, $"{path}: cannot start a TIFF file"))
            {
                var plane = new byte[height * width * (planar ? 1 : samples) * bytesPerSample];
                for (int page = 0; page < pages; page++)
                {
                    tiff.SetField(TiffTag.IMAGEWIDTH, width);
                    tiff.SetField(TiffTag.IMAGELENGTH, height);
                    tiff.SetField(TiffTag.BITSPERSAMPLE, 8 * bytesPerSample);
                    tiff.SetField(TiffTag.SAMPLESPERPIXEL, samples);
                    tiff.SetField(TiffTag.SAMPLEFORMAT, SampleFormat.UINT);
                    tiff.SetField(TiffTag.PHOTOMETRIC, samples > 1 ? Photometric.RGB : Photometric.MINISBLACK);
                    tiff.SetField(TiffTag.PLANARCONFIG, planar ? PlanarConfig.SEPARATE : PlanarConfig.CONTIG);
                    tiff.SetField(TiffTag.ROWSPERSTRIP, height);
                    tiff.SetField(TiffTag.COMPRESSION, deflate ? Compression.ADOBE_DEFLATE : Compression.NONE);
                    if (samples == 4)
                    {
                        tiff.SetField(TiffTag.EXTRASAMPLES, 1, new short[] { (short)ExtraSample.UNASSALPHA });
                    }

                    if (page == 0)
                    {
                        tiff.SetField(TiffTag.IMAGEDESCRIPTION, $"{{\"shape\": [{string.Join(", ", shape)}]}}");
                    }

                    ReadOnlySpan<ushort> pageLabels = labels.Slice(page * pageSamples, pageSamples);
                    int planes = planar ? samples : 1;
                    int planeSamples = pageSamples / planes;
                    for (int p = 0; p < planes; p++)
                    {
                        Encode(pageLabels.Slice(p * planeSamples, planeSamples), plane, wide);
                        if (tiff.WriteEncodedStrip(p, plane, plane.Length) < 0)
                        {
                            throw new SegEngineException(SegErrorCode.Io, $"{path}: could not write TIFF strip {p} of page {page}");
                        }
                    }

                    tiff.WriteDirectory();
                }
            }

            using AtomicFile output = AtomicFile.Create(path);
            output.Stream.Write(memory.ToArray());
            output.Commit();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: could not write the segmentation: {e.Message}", e);
        }
    }

    /// <summary>tifffile's choice for data of <paramref name="shape"/>: (pages, height, width, samples, planar).</summary>
    internal static (int Pages, int Height, int Width, int Samples, bool Planar) PageLayout(int[] shape)
    {
        if (shape.Length == 2)
        {
            return (1, shape[0], shape[1], 1, false);
        }

        if (shape[2] is 3 or 4)
        {
            return (1, shape[0], shape[1], shape[2], false);
        }

        return shape[0] is 3 or 4 ? (1, shape[1], shape[2], shape[0], true) : (shape[0], shape[1], shape[2], 1, false);
    }

    private static void Encode(ReadOnlySpan<ushort> labels, byte[] destination, bool wide)
    {
        if (!wide)
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<ushort, byte>(labels, destination);
            return;
        }

        // libtiff writes samples in the machine's byte order and records it in the header.
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(labels).CopyTo(destination);
    }
}
