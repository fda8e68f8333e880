using SegEngine.Inference;

namespace SegEngine.Tests.Reference;

/// <summary>
/// nnU-Net's sliding window written the slow, obvious way from nnunet-parity.md §4 (whole padded volume, one tile at a time,
/// scalar fp16 arithmetic), as the reference the streaming predictor must equal bit for bit.
/// </summary>
internal static class NaiveSlidingWindow
{
    /// <summary>A network for one tile: (C, patch…) in, (K, patch…) out, as flat C-order arrays.</summary>
    public delegate float[] TileFunction(float[] tile);

    public static Half[] Predict(
        float[] image, int channels, Shape3 shape, int[] patch, double step, int classes, int[] mirrorAxes, IReadOnlyList<TileFunction> folds)
    {
        bool twoD = patch.Length == 2;
        int[] p3 = twoD ? [1, patch[0], patch[1]] : patch;
        int[] size = [shape.Z, shape.Y, shape.X];
        int[] padded = new int[3];
        int[] below = new int[3];
        for (int a = 0; a < 3; a++)
        {
            padded[a] = Math.Max(size[a], p3[a]);
            below[a] = (padded[a] - size[a]) / 2;
        }

        int pv = p3[0] * p3[1] * p3[2];
        int volume = padded[0] * padded[1] * padded[2];
        var paddedImage = new float[channels * volume];
        for (int c = 0; c < channels; c++)
        {
            for (int z = 0; z < shape.Z; z++)
            {
                for (int y = 0; y < shape.Y; y++)
                {
                    for (int x = 0; x < shape.X; x++)
                    {
                        paddedImage[Index(c, z + below[0], y + below[1], x + below[2], padded)] = image[Index(c, z, y, x, size)];
                    }
                }
            }
        }

        int[][] steps =
        [
            twoD ? Enumerable.Range(0, shape.Z).ToArray() : NaiveSteps(padded[0], p3[0], step),
            NaiveSteps(padded[1], p3[1], step),
            NaiveSteps(padded[2], p3[2], step),
        ];
        Half[] g = GaussianMap.Compute(patch);
        List<bool[]> flips = MirrorFlips(mirrorAxes, patch.Length);

        Half[]? total = null;
        foreach (TileFunction net in folds)
        {
            var logits = new Half[classes * volume];
            var weights = new Half[volume];
            foreach (int sz in steps[0])
            {
                foreach (int sy in steps[1])
                {
                    foreach (int sx in steps[2])
                    {
                        var tile = new float[channels * pv];
                        for (int c = 0; c < channels; c++)
                        {
                            for (int z = 0; z < p3[0]; z++)
                            {
                                for (int y = 0; y < p3[1]; y++)
                                {
                                    for (int x = 0; x < p3[2]; x++)
                                    {
                                        tile[Index(c, z, y, x, p3)] = paddedImage[Index(c, sz + z, sy + y, sx + x, padded)];
                                    }
                                }
                            }
                        }

                        float[] prediction = net(tile);
                        for (int m = 1; m < flips.Count; m++)
                        {
                            float[] back = Flip(net(Flip(tile, channels, p3, flips[m])), classes, p3, flips[m]);
                            for (int i = 0; i < prediction.Length; i++)
                            {
                                prediction[i] += back[i];
                            }
                        }

                        if (flips.Count > 1)
                        {
                            for (int i = 0; i < prediction.Length; i++)
                            {
                                prediction[i] /= flips.Count;
                            }
                        }

                        for (int z = 0; z < p3[0]; z++)
                        {
                            for (int y = 0; y < p3[1]; y++)
                            {
                                for (int x = 0; x < p3[2]; x++)
                                {
                                    int t = Index(0, z, y, x, p3);
                                    for (int k = 0; k < classes; k++)
                                    {
                                        int v = Index(k, sz + z, sy + y, sx + x, padded);
                                        float weighted = prediction[(k * pv) + t] * (float)g[t];
                                        logits[v] = (Half)((float)logits[v] + weighted);
                                    }

                                    int w = Index(0, sz + z, sy + y, sx + x, padded);
                                    weights[w] = (Half)((float)weights[w] + (float)g[t]);
                                }
                            }
                        }
                    }
                }
            }

            var cropped = new Half[classes * shape.Voxels];
            for (int k = 0; k < classes; k++)
            {
                for (int z = 0; z < padded[0]; z++)
                {
                    for (int y = 0; y < padded[1]; y++)
                    {
                        for (int x = 0; x < padded[2]; x++)
                        {
                            Half q = (Half)((float)logits[Index(k, z, y, x, padded)] / (float)weights[Index(0, z, y, x, padded)]);
                            if (Half.IsInfinity(q))
                            {
                                throw new InvalidOperationException("inf");
                            }

                            int iz = z - below[0], iy = y - below[1], ix = x - below[2];
                            if (iz >= 0 && iz < shape.Z && iy >= 0 && iy < shape.Y && ix >= 0 && ix < shape.X)
                            {
                                cropped[Index(k, iz, iy, ix, size)] = q;
                            }
                        }
                    }
                }
            }

            if (total is null)
            {
                total = cropped;
            }
            else
            {
                for (int i = 0; i < total.Length; i++)
                {
                    total[i] = (Half)((float)total[i] + (float)cropped[i]);
                }
            }
        }

        if (folds.Count > 1)
        {
            for (int i = 0; i < total!.Length; i++)
            {
                total[i] = (Half)((float)total[i] / folds.Count);
            }
        }

        return total!;
    }

    public static int[] NaiveSteps(int size, int tile, double step)
    {
        int n = (int)Math.Ceiling((size - tile) / (tile * step)) + 1;
        if (n == 1)
        {
            return [0];
        }

        double actual = (size - tile) / (double)(n - 1);
        return Enumerable.Range(0, n).Select(i => (int)Math.Round(actual * i, MidpointRounding.ToEven)).ToArray();
    }

    /// <summary>Flip masks over the 3-D axes: identity, then combinations by size in itertools order.</summary>
    public static List<bool[]> MirrorFlips(int[] axes, int rank)
    {
        var result = new List<bool[]> { new bool[3] };
        int shift = 3 - rank;
        for (int size = 1; size <= axes.Length; size++)
        {
            AddCombinations(axes, size, 0, [], result, shift);
        }

        return result;
    }

    private static void AddCombinations(int[] axes, int size, int start, List<int> chosen, List<bool[]> result, int shift)
    {
        if (chosen.Count == size)
        {
            var mask = new bool[3];
            foreach (int a in chosen)
            {
                mask[a + shift] = true;
            }

            result.Add(mask);
            return;
        }

        for (int i = start; i < axes.Length; i++)
        {
            chosen.Add(axes[i]);
            AddCombinations(axes, size, i + 1, chosen, result, shift);
            chosen.RemoveAt(chosen.Count - 1);
        }
    }

    private static float[] Flip(float[] block, int channels, int[] p3, bool[] flip)
    {
        var result = new float[block.Length];
        for (int c = 0; c < channels; c++)
        {
            for (int z = 0; z < p3[0]; z++)
            {
                for (int y = 0; y < p3[1]; y++)
                {
                    for (int x = 0; x < p3[2]; x++)
                    {
                        int fz = flip[0] ? p3[0] - 1 - z : z;
                        int fy = flip[1] ? p3[1] - 1 - y : y;
                        int fx = flip[2] ? p3[2] - 1 - x : x;
                        result[Index(c, z, y, x, p3)] = block[Index(c, fz, fy, fx, p3)];
                    }
                }
            }
        }

        return result;
    }

    private static int Index(int c, int z, int y, int x, int[] dims) => (((c * dims[0]) + z) * dims[1] + y) * dims[2] + x;
}
