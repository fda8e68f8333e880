using SegEngine.Kernels;
using SegEngine.Tests.Reference;
using static SegEngine.Tests.Kernels.KernelTestData;

namespace SegEngine.Tests.Kernels;

/// <summary>
/// The fp16 kernels against their naive twins, bit for bit, at every vector width, on every length 0..300 at
/// misaligned offsets, in place, and over every fp16 value.
/// </summary>
public class HalfKernelTests
{
    private const int Seed = 20261123;

    private const int MaxLength = 300;

    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void AccumulateWeightedMatchesTwin(int width, int offset)
    {
        var random = new Random(Seed + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= MaxLength; length++)
        {
            float[] prediction = RandomSingles(random, length + offset);
            Half[] weights = RandomHalves(random, length + offset);
            Half[] accumulator = RandomHalves(random, length + offset);
            Half[] expected = (Half[])accumulator.Clone();

            SegKernels.AccumulateWeighted(prediction.AsSpan(offset), weights.AsSpan(offset), accumulator.AsSpan(offset));
            NaiveKernels.AccumulateWeighted(prediction.AsSpan(offset), weights.AsSpan(offset), expected.AsSpan(offset));

            AssertBits(expected, accumulator, offset, length, Context(width, length, offset));
        }
    }

    /// <summary>The overload with the weights already widened to float32 gives the fp16-weight twin's bits.</summary>
    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void AccumulateWeightedWithWideWeightsMatchesTwin(int width, int offset)
    {
        var random = new Random(Seed + 5 + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= MaxLength; length++)
        {
            float[] prediction = RandomSingles(random, length + offset);
            Half[] weights = RandomHalves(random, length + offset);
            float[] wideWeights = weights.Select(w => (float)w).ToArray();
            Half[] accumulator = RandomHalves(random, length + offset);
            Half[] expected = (Half[])accumulator.Clone();

            SegKernels.AccumulateWeighted(prediction.AsSpan(offset), wideWeights.AsSpan(offset), accumulator.AsSpan(offset));
            NaiveKernels.AccumulateWeighted(prediction.AsSpan(offset), weights.AsSpan(offset), expected.AsSpan(offset));

            AssertBits(expected, accumulator, offset, length, Context(width, length, offset));
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void AddHalfMatchesTwin(int width, int offset)
    {
        var random = new Random(Seed + 10 + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= MaxLength; length++)
        {
            Half[] addend = RandomHalves(random, length + offset);
            Half[] accumulator = RandomHalves(random, length + offset);
            Half[] expected = (Half[])accumulator.Clone();

            SegKernels.AddHalf(addend.AsSpan(offset), accumulator.AsSpan(offset));
            NaiveKernels.AddHalf(addend.AsSpan(offset), expected.AsSpan(offset));

            AssertBits(expected, accumulator, offset, length, Context(width, length, offset));
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void AddHalfInPlaceDoubles(int width)
    {
        Half[] values = RandomHalves(new Random(Seed + 20), MaxLength);
        Half[] expected = (Half[])values.Clone();
        NaiveKernels.AddHalf((Half[])values.Clone(), expected);
        using var forced = KernelWidths.Force(width);

        SegKernels.AddHalf(values, values);

        AssertBits(expected, values, 0, MaxLength, Context(width, MaxLength, 0));
    }

    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void DivideHalfMatchesTwin(int width, int offset)
    {
        var random = new Random(Seed + 30 + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= MaxLength; length++)
        {
            Half[] numerator = RandomHalves(random, length + offset);
            Half[] denominator = RandomHalves(random, length + offset);
            Half[] actual = new Half[length + offset];
            Half[] expected = new Half[length + offset];

            SegKernels.DivideHalf(numerator.AsSpan(offset), denominator.AsSpan(offset), actual.AsSpan(offset));
            NaiveKernels.DivideHalf(numerator.AsSpan(offset), denominator.AsSpan(offset), expected.AsSpan(offset));
            AssertBits(expected, actual, offset, length, Context(width, length, offset));

            Half divisor = random.Next(8) == 0 ? HalfSpecials[random.Next(HalfSpecials.Length)] : (Half)(1 + random.Next(5));
            NaiveKernels.DivideHalf(denominator.AsSpan(offset), divisor, expected.AsSpan(offset));
            SegKernels.DivideHalf(denominator.AsSpan(offset), divisor, actual.AsSpan(offset));
            AssertBits(expected, actual, offset, length, $"{Context(width, length, offset)}, divisor {divisor}");

            // In place: the quotient overwrites the numerator.
            NaiveKernels.DivideHalf(numerator.AsSpan(offset), denominator.AsSpan(offset), expected.AsSpan(offset));
            SegKernels.DivideHalf(numerator.AsSpan(offset), denominator.AsSpan(offset), numerator.AsSpan(offset));
            AssertBits(expected, numerator, offset, length, $"{Context(width, length, offset)}, in place");
        }
    }

    /// <summary>Every fp16 value as accumulator, addend, numerator and denominator: all conversions and roundings once.</summary>
    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void EveryHalfValueMatchesTwin(int width)
    {
        Half[] every = Enumerable.Range(0, 1 << 16).Select(bits => BitConverter.UInt16BitsToHalf((ushort)bits)).ToArray();
        Half[] other = RandomHalves(new Random(Seed + 50), every.Length);
        float[] prediction = RandomSingles(new Random(Seed + 60), every.Length);
        using var forced = KernelWidths.Force(width);
        foreach ((Half[] x, Half[] y) in new[] { (every, other), (other, every) })
        {
            Half[] actual = (Half[])x.Clone();
            Half[] expected = (Half[])x.Clone();
            SegKernels.AddHalf(y, actual);
            NaiveKernels.AddHalf(y, expected);
            AssertBits(expected, actual, 0, every.Length, $"AddHalf, width {width}");

            actual = (Half[])x.Clone();
            expected = (Half[])x.Clone();
            SegKernels.AccumulateWeighted(prediction, y, actual);
            NaiveKernels.AccumulateWeighted(prediction, y, expected);
            AssertBits(expected, actual, 0, every.Length, $"AccumulateWeighted, width {width}");

            actual = (Half[])x.Clone();
            SegKernels.AccumulateWeighted(prediction, y.Select(w => (float)w).ToArray(), actual);
            AssertBits(expected, actual, 0, every.Length, $"AccumulateWeighted with float32 weights, width {width}");

            SegKernels.DivideHalf(x, y, actual);
            NaiveKernels.DivideHalf(x, y, expected);
            AssertBits(expected, actual, 0, every.Length, $"DivideHalf, width {width}");
        }
    }

    /// <summary>
    /// The widths agree on every finite bit and on where NaNs are. NaN payloads are not compared: which operand's payload
    /// x86 propagates follows the instruction the JIT picked, which changes with tiering (seen: a full-suite run differed
    /// from the same test alone). No payload reaches an output: non-finite logits are refused before the export.
    /// </summary>
    [Fact]
    public void WidthsAgreeWhereNaNsAre()
    {
        var random = new Random(Seed + 70);
        Half[] addend = RandomHalves(random, 1000);
        Half[] weights = RandomHalves(random, 1000);
        float[] prediction = RandomSingles(random, 1000);
        for (int i = 0; i < 1000; i += 7)
        {
            prediction[i] = BitConverter.UInt32BitsToSingle(0x7FC00000u | (uint)random.Next(1 << 22) | ((uint)random.Next(2) << 31));
        }

        Half[] Run(int width)
        {
            using var forced = KernelWidths.Force(width);
            Half[] accumulator = (Half[])addend.Clone();
            SegKernels.AccumulateWeighted(prediction, weights, accumulator);
            SegKernels.AddHalf(weights, accumulator);
            SegKernels.DivideHalf(accumulator, weights, accumulator);
            return accumulator;
        }

        Half[] reference = Run((int)VectorWidth.Vector256);
        AssertBits(reference, Run((int)VectorWidth.Vector512), 0, 1000, "Vector512 against Vector256");
        AssertBits(reference, Run((int)VectorWidth.Scalar), 0, 1000, "scalar against Vector256");
    }

    [Fact]
    public void LengthMismatchNamesTheParameter()
    {
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => SegKernels.AccumulateWeighted(new float[3], new Half[2], new Half[3])).ParamName);
        Assert.Equal("accumulator", Assert.Throws<ArgumentException>(() => SegKernels.AccumulateWeighted(new float[3], new Half[3], new Half[4])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => SegKernels.AccumulateWeighted(new float[3], new float[2], new Half[3])).ParamName);
        Assert.Equal("accumulator", Assert.Throws<ArgumentException>(() => SegKernels.AddHalf(new Half[3], new Half[2])).ParamName);
        Assert.Equal("denominator", Assert.Throws<ArgumentException>(() => SegKernels.DivideHalf(new Half[3], new Half[2], new Half[3])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.DivideHalf(new Half[3], new Half[3], new Half[2])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.DivideHalf(new Half[3], Half.One, new Half[2])).ParamName);
    }

    private static string Context(int width, int length, int offset) => $"width {width}, length {length}, offset {offset} (seed {Seed})";
}
