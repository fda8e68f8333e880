namespace SegEngine.Perf.Kernels;

/// <summary>What the export's cells look like.</summary>
public enum ExportCells
{
    /// <summary>As a trained network gives: one class clearly wins almost everywhere, organs are large blocks.</summary>
    Typical,

    /// <summary>Near-ties everywhere: the winner changes from voxel to voxel, so every cell takes the per-class path.</summary>
    Worst,
}

/// <summary>Deterministic fp16 logits (K, z, y, x) for the export benchmarks.</summary>
internal static class SyntheticLogits
{
    public static Half[] Create(int classes, Shape3 shape, ExportCells cells)
    {
        long voxels = shape.Voxels;
        var logits = new Half[classes * voxels];
        Parallel.For(0, classes * shape.Z, plane =>
        {
            int k = plane / shape.Z;
            int z = plane % shape.Z;
            for (int y = 0; y < shape.Y; y++)
            {
                long row = (k * voxels) + ((((long)z * shape.Y) + y) * shape.X);
                for (int x = 0; x < shape.X; x++)
                {
                    float noise = Noise(k, row + x);
                    float value = cells == ExportCells.Typical
                        ? (k == Organ(classes, shape, z, y, x) ? 8 + noise : -2 - (2 * noise))
                        : 0.5f + (noise * (1f / 512));
                    logits[row + x] = (Half)value;
                }
            }
        });
        return logits;
    }

    /// <summary>Background outside a body disc; inside, blocks of about a third of the depth and a quarter of the plane.</summary>
    private static int Organ(int classes, Shape3 shape, int z, int y, int x)
    {
        long dy = (2L * y) - shape.Y;
        long dx = (2L * x) - shape.X;
        if (100 * ((dy * dy) + (dx * dx)) > 81L * shape.X * shape.X)
        {
            return 0;
        }

        int block = (z * 3 / shape.Z * 16) + (y * 4 / shape.Y * 4) + (x * 4 / shape.X);
        return 1 + (block % (classes - 1));
    }

    /// <summary>A hash of (class, voxel) mapped to [0, 1); a murmur finaliser, so neighbours are uncorrelated.</summary>
    private static float Noise(int k, long index)
    {
        ulong h = unchecked((ulong)index * 0x9E3779B97F4A7C15UL) ^ ((ulong)k << 40);
        h ^= h >> 33;
        h = unchecked(h * 0xFF51AFD7ED558CCDUL);
        h ^= h >> 33;
        return (h >> 40) / (float)(1 << 24);
    }
}
