namespace SegEngine.Tests.Preprocessing;

/// <summary>
/// The exact-integer recipe of <c>tests/fixtures/preprocessing/normalization/make_fixtures.py</c>
/// (<c>synthetic_volume</c>, <c>mask_from</c>), so fixture inputs need not be stored.
/// </summary>
internal static class SyntheticVolume
{
    public static float[] Values(long count, uint seed, double offset, uint zeroEvery)
    {
        float[] values = new float[count];
        for (uint i = 0; i < count; i++)
        {
            uint h = unchecked((i + (seed * 0x01000193u)) * 0x9E3779B1u);
            h ^= h >> 16;
            h = unchecked(h * 0x85EBCA6Bu);
            h ^= h >> 13;
            h = unchecked(h * 0xC2B2AE35u);
            h ^= h >> 16;
            float value = (h & 0xFFFFFF) * MathF.ScaleB(1f, (int)((h >> 24) & 15) - 30);
            if (((h >> 28) & 1) != 0)
            {
                value = -value;
            }

            value += (float)offset;
            if (zeroEvery > 0 && (h >> 29) % zeroEvery == 0)
            {
                value = 0f;
            }

            values[i] = value;
        }

        return values;
    }

    public static byte[] Mask(Shape3 shape, int seed)
    {
        byte[] mask = new byte[shape.Voxels];
        int i = 0;
        for (int z = 0; z < shape.Z; z++)
        {
            for (int y = 0; y < shape.Y; y++)
            {
                for (int x = 0; x < shape.X; x++)
                {
                    bool inside = ((z * 7) + (y * 3) + (x * 5) + seed) % 11 < 6 || (x + y) % 13 == 0;
                    mask[i++] = inside ? (byte)1 : (byte)0;
                }
            }
        }

        return mask;
    }
}
