using SegEngine.Inference;

namespace SegEngine.Tests.Inference;

/// <summary>
/// A deterministic stand-in for a fold's network: each output voxel mixes the input voxel, its x-neighbour and its
/// position in the tile, so mirroring, ordering and batching mistakes all change the result.
/// </summary>
internal sealed class FakeTileNetwork : ITileNetwork
{
    private readonly float foldBias;
    private readonly int tileVoxels;
    private float[] input = [];
    private float[] output = [];

    public FakeTileNetwork(int channels, int headCount, int[] patch, bool dynamicBatch, float foldBias)
    {
        InputChannels = channels;
        HeadCount = headCount;
        PatchSize = patch;
        DynamicBatch = dynamicBatch;
        this.foldBias = foldBias;
        tileVoxels = patch.Aggregate(1, (a, b) => a * b);
    }

    public int InputChannels { get; }

    public int HeadCount { get; }

    public IReadOnlyList<int> PatchSize { get; }

    public bool DynamicBatch { get; }

    public long WorkingBytesPerTile => 1024;

    public bool WarmedUp { get; init; } = true;

    public bool SharesFoldMemory { get; init; }

    /// <summary>Largest batch seen by <see cref="Run"/>.</summary>
    public int LargestBatch { get; private set; }

    public Span<float> InputBuffer(int batch)
    {
        if (input.Length < batch * InputChannels * tileVoxels)
        {
            input = new float[batch * InputChannels * tileVoxels];
            output = new float[batch * HeadCount * tileVoxels];
        }

        return input.AsSpan(0, batch * InputChannels * tileVoxels);
    }

    public ReadOnlySpan<float> Run(int batch)
    {
        Assert.True(DynamicBatch || batch == 1, "a fixed-batch network was run with a batch > 1");
        LargestBatch = Math.Max(LargestBatch, batch);
        for (int b = 0; b < batch; b++)
        {
            float[] tile = input.AsSpan(b * InputChannels * tileVoxels, InputChannels * tileVoxels).ToArray();
            Evaluate(tile).CopyTo(output.AsSpan(b * HeadCount * tileVoxels));
        }

        return output.AsSpan(0, batch * HeadCount * tileVoxels);
    }

    /// <summary>The network as a pure function of one tile, for the naive reference.</summary>
    public float[] Evaluate(float[] tile)
    {
        int px = PatchSize[^1];
        int py = PatchSize[^2];
        var result = new float[HeadCount * tileVoxels];
        for (int k = 0; k < HeadCount; k++)
        {
            for (int v = 0; v < tileVoxels; v++)
            {
                int x = v % px;
                int y = v / px % py;
                int z = v / (px * py);
                float sum = foldBias + (0.37f * k);
                for (int c = 0; c < InputChannels; c++)
                {
                    float here = tile[(c * tileVoxels) + v];
                    float right = x + 1 < px ? tile[(c * tileVoxels) + v + 1] : 0f;
                    sum += ((k + 1) * 0.731f * here) + (0.29f * right);
                }

                result[(k * tileVoxels) + v] = sum + (0.013f * x) - (0.021f * y) + (0.017f * z * (k - 1));
            }
        }

        return result;
    }
}
