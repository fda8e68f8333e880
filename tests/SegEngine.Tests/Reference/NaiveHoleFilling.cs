namespace SegEngine.Tests.Reference;

/// <summary>
/// SciPy's definition of <c>binary_fill_holes</c> run literally: dilate the "outside" set from an all-on border through
/// background voxels with the 6-neighbour cross, repeating full sweeps until nothing changes; the rest is filled.
/// </summary>
internal static class NaiveHoleFilling
{
    public static byte[] Fill(byte[] mask, int nz, int ny, int nx)
    {
        bool[] outside = new bool[mask.Length];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int z = 0; z < nz; z++)
            {
                for (int y = 0; y < ny; y++)
                {
                    for (int x = 0; x < nx; x++)
                    {
                        int i = ((z * ny) + y) * nx + x;
                        if (mask[i] != 0 || outside[i])
                        {
                            continue;
                        }

                        bool reaches =
                            z == 0 || z == nz - 1 || y == 0 || y == ny - 1 || x == 0 || x == nx - 1
                            || outside[i - (ny * nx)] || outside[i + (ny * nx)] || outside[i - nx] || outside[i + nx]
                            || outside[i - 1] || outside[i + 1];
                        if (reaches)
                        {
                            outside[i] = true;
                            changed = true;
                        }
                    }
                }
            }
        }

        byte[] filled = new byte[mask.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            filled[i] = outside[i] ? (byte)0 : (byte)1;
        }

        return filled;
    }
}
