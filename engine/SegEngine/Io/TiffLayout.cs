using BitMiracle.LibTiff.Classic;

namespace SegEngine.Io;

/// <summary>The sample layout every page of a TIFF shares (<see cref="TiffSamples"/>).</summary>
internal readonly record struct TiffLayout(int Pages, int Height, int Width, int Samples, bool Planar, int Bits, SampleFormat Format)
{
    /// <summary>tifffile's array shape (length-1 axes left out, except that a single pixel stays 2-D).</summary>
    public long[] Shape
    {
        get
        {
            var shape = new List<long>();
            if (Pages > 1)
            {
                shape.Add(Pages);
            }

            if (Planar && Samples > 1)
            {
                shape.Add(Samples);
            }

            shape.Add(Height);
            shape.Add(Width);
            if (!Planar && Samples > 1)
            {
                shape.Add(Samples);
            }

            return [.. shape];
        }
    }

    public long Elements => (long)Pages * Height * Width * Samples;

    /// <summary>The layout in words, for errors.</summary>
    public string Describe() =>
        $"{Width} x {Height} x {Samples} samples of {Bits}-bit {Format}{(Planar ? " (planar)" : string.Empty)}";
}
