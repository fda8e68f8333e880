using System.Buffers;

namespace SegEngine.Preprocessing;

/// <summary>
/// <c>scipy.ndimage.binary_fill_holes</c> with the default cross structure (face connectivity) on a 3-D byte mask.
/// </summary>
/// <remarks>
/// nnunet-parity.md §3.2. SciPy dilates the complement from an "on" border until it stops; a zero voxel stays background
/// exactly when a face-connected path of zero voxels leads from it to the array border. This flood fill finds those
/// voxels with x-runs (scanline): no recursion, state kept in the mask bytes themselves, plus a seed stack that
/// grows only with the number of open runs.
/// </remarks>
internal static class HoleFilling
{
    private const byte Background = 0;
    private const byte Foreground = 1;
    private const byte Outside = 2;

    /// <summary>Fills the holes of <paramref name="mask"/> (0 = background, 1 = foreground) in place.</summary>
    public static void FillHoles(Span<byte> mask, Shape3 shape)
    {
        if (mask.Length != shape.Voxels)
        {
            throw new ArgumentException($"the mask holds {mask.Length} voxels, the shape {shape} needs {shape.Voxels}", nameof(mask));
        }

        var seeds = new SeedStack();
        try
        {
            int nz = shape.Z, ny = shape.Y, nx = shape.X;
            for (int z = 0; z < nz; z++)
            {
                for (int y = 0; y < ny; y++)
                {
                    bool borderRow = z == 0 || z == nz - 1 || y == 0 || y == ny - 1;
                    int rowStart = ((z * ny) + y) * nx;
                    if (borderRow)
                    {
                        for (int x = 0; x < nx; x++)
                        {
                            Flood(mask, shape, rowStart + x, ref seeds);
                        }
                    }
                    else
                    {
                        Flood(mask, shape, rowStart, ref seeds);
                        Flood(mask, shape, rowStart + nx - 1, ref seeds);
                    }
                }
            }

            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = mask[i] == Outside ? (byte)0 : (byte)1;
            }
        }
        finally
        {
            seeds.Dispose();
        }
    }

    private static void Flood(Span<byte> mask, Shape3 shape, int seed, ref SeedStack seeds)
    {
        if (mask[seed] != Background)
        {
            return;
        }

        int ny = shape.Y, nx = shape.X;
        seeds.Push(seed);
        while (seeds.TryPop(out int index))
        {
            if (mask[index] != Background)
            {
                continue;
            }

            int row = index / nx;
            int rowStart = row * nx;
            int x0 = index - rowStart;
            int x1 = x0;
            while (x0 > 0 && mask[rowStart + x0 - 1] == Background)
            {
                x0--;
            }

            while (x1 < nx - 1 && mask[rowStart + x1 + 1] == Background)
            {
                x1++;
            }

            mask.Slice(rowStart + x0, x1 - x0 + 1).Fill(Outside);

            int z = row / ny, y = row % ny;
            if (y > 0)
            {
                PushRuns(mask, rowStart - nx, x0, x1, ref seeds);
            }

            if (y < ny - 1)
            {
                PushRuns(mask, rowStart + nx, x0, x1, ref seeds);
            }

            if (z > 0)
            {
                PushRuns(mask, rowStart - (ny * nx), x0, x1, ref seeds);
            }

            if (z < shape.Z - 1)
            {
                PushRuns(mask, rowStart + (ny * nx), x0, x1, ref seeds);
            }
        }
    }

    /// <summary>Pushes one seed per run of background voxels in <c>[x0, x1]</c> of the neighbouring row.</summary>
    private static void PushRuns(Span<byte> mask, int rowStart, int x0, int x1, ref SeedStack seeds)
    {
        bool inRun = false;
        for (int x = x0; x <= x1; x++)
        {
            bool open = mask[rowStart + x] == Background;
            if (open && !inRun)
            {
                seeds.Push(rowStart + x);
            }

            inRun = open;
        }
    }

    /// <summary>A pooled, growable stack of voxel indices.</summary>
    private struct SeedStack : IDisposable
    {
        private int[] items;
        private int count;

        public SeedStack()
        {
            items = ArrayPool<int>.Shared.Rent(1024);
            count = 0;
        }

        public void Push(int index)
        {
            if (count == items.Length)
            {
                int[] larger = ArrayPool<int>.Shared.Rent(items.Length * 2);
                items.AsSpan(0, count).CopyTo(larger);
                ArrayPool<int>.Shared.Return(items);
                items = larger;
            }

            items[count++] = index;
        }

        public bool TryPop(out int index)
        {
            if (count == 0)
            {
                index = 0;
                return false;
            }

            index = items[--count];
            return true;
        }

        public void Dispose()
        {
            ArrayPool<int>.Shared.Return(items);
            items = [];
        }
    }
}
