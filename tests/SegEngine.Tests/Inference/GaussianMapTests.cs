using SegEngine.Inference;
using SegEngine.Io;

namespace SegEngine.Tests.Inference;

/// <summary>The importance map against SciPy/torch's compute_gaussian (fixture from make_gaussian_fixture.py), bit for bit.</summary>
public class GaussianMapTests
{
    [Theory]
    [InlineData(48, 64, 64)]
    [InlineData(96, 96)]
    [InlineData(7, 10, 13)]
    [InlineData(1, 5, 4)]
    [InlineData(33, 17, 20)]
    [InlineData(160, 160)]
    [InlineData(2, 3)]
    public void EqualsScipyTorchFixture(params int[] tile)
    {
        string fixture = Path.Combine(TestPaths.Fixtures, "inference", "gaussian_maps.npz");
        NpyArray expected = Npy.ReadFromNpz(fixture, "g_" + string.Join("x", tile));
        Assert.Equal(tile.Select(t => (long)t), expected.Shape);

        Half[] actual = GaussianMap.Compute(tile);

        ReadOnlySpan<Half> reference = expected.As<Half>();
        Assert.Equal(reference.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(
                BitConverter.HalfToUInt16Bits(reference[i]) == BitConverter.HalfToUInt16Bits(actual[i]),
                $"tile {string.Join("x", tile)}, voxel {i}: expected {reference[i]}, got {actual[i]}");
        }
    }

    [Fact]
    public void ContractFactsFor96x160x160()
    {
        Half[] map = GaussianMap.Compute([96, 160, 160]);

        // nnunet-parity.md §4.3: maximum 10, zeros replaced by the fp16 subnormal minimum on 22,317 voxels.
        Assert.Equal((Half)10f, map.Max());
        Assert.Equal(Half.Epsilon, map.Min());
        Assert.Equal(22317, map.Count(h => h == Half.Epsilon));
    }
}
