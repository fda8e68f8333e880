using SegEngine.Kernels;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Kernels;

/// <summary>Every fp16 kernel against its naive twin, bit for bit, on lengths 0..300 at misaligned offsets.</summary>
public class SegKernelsTests
{
    private const int Seed = 20261123;

    public static IEnumerable<object[]> Offsets => [[0], [1], [3]];

    [Theory]
    [MemberData(nameof(Offsets))]
    public void AccumulateWeightedMatchesTwin(int offset)
    {
        var random = new Random(Seed + offset);
        for (int length = 0; length <= 300; length++)
        {
            float[] prediction = RandomFloats(random, length + offset);
            Half[] weights = RandomHalves(random, length + offset);
            Half[] accumulator = RandomHalves(random, length + offset);
            Half[] expected = (Half[])accumulator.Clone();

            SegKernels.AccumulateWeighted(prediction.AsSpan(offset), weights.AsSpan(offset), accumulator.AsSpan(offset));
            NaiveKernels.AccumulateWeighted(prediction.AsSpan(offset), weights.AsSpan(offset), expected.AsSpan(offset));

            AssertBits(expected, accumulator, length, offset);
        }
    }

    [Theory]
    [MemberData(nameof(Offsets))]
    public void AddHalfMatchesTwin(int offset)
    {
        var random = new Random(Seed + 10 + offset);
        for (int length = 0; length <= 300; length++)
        {
            Half[] addend = RandomHalves(random, length + offset);
            Half[] accumulator = RandomHalves(random, length + offset);
            Half[] expected = (Half[])accumulator.Clone();

            SegKernels.AddHalf(addend.AsSpan(offset), accumulator.AsSpan(offset));
            NaiveKernels.AddHalf(addend.AsSpan(offset), expected.AsSpan(offset));

            AssertBits(expected, accumulator, length, offset);
        }
    }

    [Fact]
    public void AddHalfInPlaceDoubles()
    {
        Half[] values = RandomHalves(new Random(Seed + 20), 300);
        Half[] expected = (Half[])values.Clone();
        NaiveKernels.AddHalf((Half[])values.Clone(), expected);

        SegKernels.AddHalf(values, values);

        AssertBits(expected, values, 300, 0);
    }

    [Theory]
    [MemberData(nameof(Offsets))]
    public void DivideHalfMatchesTwin(int offset)
    {
        var random = new Random(Seed + 30 + offset);
        for (int length = 0; length <= 300; length++)
        {
            Half[] numerator = RandomHalves(random, length + offset);
            Half[] denominator = RandomHalves(random, length + offset);
            Half[] actual = new Half[length + offset];
            Half[] expected = new Half[length + offset];

            SegKernels.DivideHalf(numerator.AsSpan(offset), denominator.AsSpan(offset), actual.AsSpan(offset));
            NaiveKernels.DivideHalf(numerator.AsSpan(offset), denominator.AsSpan(offset), expected.AsSpan(offset));
            AssertBits(expected, actual, length, offset);

            Half divisor = (Half)(1 + random.Next(5));
            NaiveKernels.DivideHalf(denominator.AsSpan(offset), divisor, expected.AsSpan(offset));
            SegKernels.DivideHalf(denominator.AsSpan(offset), divisor, actual.AsSpan(offset));
            AssertBits(expected, actual, length, offset);
        }
    }

    [Theory]
    [MemberData(nameof(Offsets))]
    public void IndexOfInfinityMatchesTwin(int offset)
    {
        var random = new Random(Seed + 40 + offset);
        for (int length = 0; length <= 300; length++)
        {
            Half[] values = new Half[length + offset];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (Half)(random.NextSingle() * 100 - 50);
            }

            if (length > 0 && random.Next(3) > 0)
            {
                int where = offset + random.Next(length);
                values[where] = random.Next(2) == 0 ? Half.PositiveInfinity : Half.NegativeInfinity;
                values[offset + random.Next(length)] = Half.NaN;
            }

            Assert.Equal(NaiveKernels.IndexOfInfinity(values.AsSpan(offset)), SegKernels.IndexOfInfinity(values.AsSpan(offset)));
        }
    }

    [Fact]
    public void PrefetchLeavesEveryLengthUnchanged()
    {
        var data = new Half[1000];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (Half)i;
        }

        Half[] before = [.. data];
        for (int length = 0; length <= 300; length += 7)
        {
            SegKernels.Prefetch<Half>(data.AsSpan(data.Length - length, length));
            SegKernels.Prefetch<Half>(data.AsSpan(3, length));
        }

        Assert.Equal(before, data);
    }

    [Fact]
    public void LengthMismatchNamesTheParameter()
    {
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => SegKernels.AccumulateWeighted(new float[3], new Half[2], new Half[3])).ParamName);
        Assert.Equal("accumulator", Assert.Throws<ArgumentException>(() => SegKernels.AccumulateWeighted(new float[3], new Half[3], new Half[4])).ParamName);
        Assert.Equal("accumulator", Assert.Throws<ArgumentException>(() => SegKernels.AddHalf(new Half[3], new Half[2])).ParamName);
        Assert.Equal("denominator", Assert.Throws<ArgumentException>(() => SegKernels.DivideHalf(new Half[3], new Half[2], new Half[3])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.DivideHalf(new Half[3], Half.One, new Half[2])).ParamName);
    }

    /// <summary>Mostly ordinary values, with special values (±0, ±Inf, NaN, subnormals, extremes) sprinkled in.</summary>
    private static Half[] RandomHalves(Random random, int length)
    {
        Half[] specials = [Half.Zero, Half.NegativeZero, Half.PositiveInfinity, Half.NegativeInfinity, Half.NaN, Half.Epsilon, Half.MaxValue, Half.MinValue, (Half)6.1e-5f];
        var values = new Half[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(16) == 0
                ? specials[random.Next(specials.Length)]
                : BitConverter.UInt16BitsToHalf((ushort)random.Next(0x7C00)) * (random.Next(2) == 0 ? Half.One : Half.NegativeOne);
        }

        return values;
    }

    private static float[] RandomFloats(Random random, int length)
    {
        float[] specials = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, float.MaxValue, 65504f, 1e-8f];
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(16) == 0 ? specials[random.Next(specials.Length)] : (random.NextSingle() - 0.5f) * MathF.Pow(2, random.Next(-20, 12));
        }

        return values;
    }

    private static void AssertBits(Half[] expected, Half[] actual, int length, int offset)
    {
        for (int i = offset; i < offset + length; i++)
        {
            // NaN payloads are not part of the contract; every other value must match bit for bit.
            if (Half.IsNaN(expected[i]) && Half.IsNaN(actual[i]))
            {
                continue;
            }

            Assert.True(
                BitConverter.HalfToUInt16Bits(expected[i]) == BitConverter.HalfToUInt16Bits(actual[i]),
                $"length {length}, offset {offset}, index {i}: expected 0x{BitConverter.HalfToUInt16Bits(expected[i]):X4}, got 0x{BitConverter.HalfToUInt16Bits(actual[i]):X4} (seed {Seed})");
        }
    }
}
