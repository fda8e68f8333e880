namespace SegEngine.Io;

/// <summary>Which of Pillow's results (via skimage/imageio) a PNG or BMP becomes (<see cref="PillowImageDecoding"/>).</summary>
internal enum PillowImageKind
{
    /// <summary>One channel, 8-bit grey (low depths scaled up to 0..255, as both libraries do).</summary>
    Grey8,

    /// <summary>One channel, 16-bit grey as stored.</summary>
    Grey16,

    Rgb,

    /// <summary>16-bit BMP, 5 bits per channel: RGB, each channel v · 255 / 31 (Pillow's BGR;15, integer division).</summary>
    Rgb555,

    /// <summary>16-bit BMP, 5-6-5 bits: RGB, each channel v · 255 / (2^bits − 1) (Pillow's BGR;16).</summary>
    Rgb565,

    Rgba,

    /// <summary>Palette without transparency: grey values if the used part of the palette is grey, else RGBA.</summary>
    Palette,
}
