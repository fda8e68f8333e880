namespace SegEngine.Perf.Common;

/// <summary>
/// Deterministic CT-like volumes (air outside a body disc, soft tissue ramps, bone specks, noise) in Hounsfield units.
/// Integer arithmetic only, so perf/scripts/resample_scipy.py builds the identical volume.
/// </summary>
internal static class SyntheticCt
{
    /// <summary>The value of voxel (z, y, x) of a volume of <paramref name="shape"/>.</summary>
    public static short Value(Shape3 shape, int z, int y, int x)
    {
        long dy = 2L * y - shape.Y;
        long dx = 2L * x - shape.X;
        long r2 = 100 * ((dx * dx) + (dy * dy));
        long edge = (long)shape.X * shape.X;
        long value = r2 > 81 * edge ? -1000 : 40 + ((x + (2 * y) + (3 * z)) % 300);
        if (r2 < 9 * edge && (x + y + z) % 7 == 0)
        {
            value = 1200;
        }

        long flat = (((long)z * shape.Y) + y) * shape.X + x;
        uint hash = unchecked((uint)flat * 2654435761u);
        return (short)(value + (hash >> 27) - 16);
    }

    /// <summary>The whole volume as float32, z-major, as the preprocessor sees an int16 CT.</summary>
    public static float[] Create(Shape3 shape)
    {
        var data = new float[shape.Voxels];
        Parallel.For(0, shape.Z, z =>
        {
            for (int y = 0; y < shape.Y; y++)
            {
                long row = (((long)z * shape.Y) + y) * shape.X;
                for (int x = 0; x < shape.X; x++)
                {
                    data[row + x] = Value(shape, z, y, x);
                }
            }
        });
        return data;
    }
}
