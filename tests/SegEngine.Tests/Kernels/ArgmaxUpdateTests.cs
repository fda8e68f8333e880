using SegEngine.Kernels;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Kernels;

public sealed class ArgmaxUpdateTests
{
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void MatchesNaiveTwinOnEveryLength(int width)
    {
        var random = new Random(11);
        using var forced = KernelWidths.Force(width);
        float[] specials = [0f, -0f, 1f, 1f, float.Epsilon, float.MaxValue, float.MinValue, float.NegativeInfinity];
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset <= 3; offset++)
            {
                float[] x = Fill(random, length + offset, specials);
                float[] best = Fill(random, length + offset, specials);
                float[] runner = Fill(random, length + offset, specials);
                float[] winner = Fill(random, length + offset, specials);
                float[][] expected = [x[offset..], best[offset..], runner[offset..], winner[offset..]];
                NaiveArgmaxUpdate.Apply(expected[0], 4, expected[1], expected[2], expected[3]);
                SegKernels.ArgmaxUpdate(x.AsSpan(offset), 4, best.AsSpan(offset), runner.AsSpan(offset), winner.AsSpan(offset));
                Assert.Equal(expected[1], best[offset..]);
                Assert.Equal(expected[2], runner[offset..]);
                Assert.Equal(expected[3], winner[offset..]);
            }
        }
    }

    /// <summary>fp16 input widened in registers: the same state as the float kernel on the widened values, and false exactly where a value is NaN or infinite.</summary>
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void HalfInputMatchesNaiveTwinAndFlagsNonFinite(int width)
    {
        var random = new Random(12);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset <= 3; offset++)
            {
                Half[] x = KernelTestData.RandomHalves(random, length + offset);
                if (random.Next(2) == 0)
                {
                    // Half the rows finite only: the flag must then be true.
                    x = x.Select(h => Half.IsFinite(h) ? h : Half.One).ToArray();
                }

                float[] best = Fill(random, length + offset, [0f, -0f, float.NegativeInfinity]);
                float[] runner = Fill(random, length + offset, [float.NegativeInfinity]);
                float[] winner = Fill(random, length + offset, [0f]);
                float[] wide = x[offset..].Select(h => (float)h).ToArray();
                float[][] expected = [best[offset..], runner[offset..], winner[offset..]];
                NaiveArgmaxUpdate.Apply(wide, 5, expected[0], expected[1], expected[2]);
                bool finite = SegKernels.ArgmaxUpdateHalf(x.AsSpan(offset), 5, best.AsSpan(offset), runner.AsSpan(offset), winner.AsSpan(offset));
                Assert.Equal(wide.All(float.IsFinite), finite);
                if (finite)
                {
                    Assert.Equal(expected[0], best[offset..]);
                    Assert.Equal(expected[1], runner[offset..]);
                    Assert.Equal(expected[2], winner[offset..]);
                }
            }
        }
    }

    [Fact]
    public void RejectsMismatchedLengths()
    {
        float[] four = new float[4];
        Assert.Equal("best", Assert.Throws<ArgumentException>(() => SegKernels.ArgmaxUpdate(four, 1, new float[3], four, four)).ParamName);
        Assert.Equal("runnerUp", Assert.Throws<ArgumentException>(() => SegKernels.ArgmaxUpdate(four, 1, four, new float[5], four)).ParamName);
        Assert.Equal("winner", Assert.Throws<ArgumentException>(() => SegKernels.ArgmaxUpdate(four, 1, four, four, new float[2])).ParamName);
        Assert.Equal("runnerUp", Assert.Throws<ArgumentException>(() => SegKernels.ArgmaxUpdateHalf(new Half[4], 1, four, new float[5], four)).ParamName);
    }

    private static float[] Fill(Random random, int length, float[] specials) =>
        Enumerable.Range(0, length).Select(_ => random.Next(3) == 0 ? specials[random.Next(specials.Length)] : (float)Math.Round(random.NextDouble() * 4, 1)).ToArray();
}
