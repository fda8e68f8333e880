namespace SegEngine.Tests.Kernels;

/// <summary>Seeded inputs with special values sprinkled in, and bit-exact comparisons, shared by the kernel tests.</summary>
internal static class KernelTestData
{
    /// <summary>±0, ±Inf, NaN, the smallest and largest subnormals, the smallest normal, the largest finite values and 1.</summary>
    public static readonly Half[] HalfSpecials =
    [
        Half.Zero, Half.NegativeZero, Half.PositiveInfinity, Half.NegativeInfinity, Half.NaN, Half.Epsilon,
        BitConverter.UInt16BitsToHalf(0x03FF), BitConverter.UInt16BitsToHalf(0x0400), Half.MaxValue, Half.MinValue, Half.One,
    ];

    /// <summary>±0, ±Inf, NaN, float subnormals, the largest float, fp16's largest finite value and the first float past it, a value below fp16's subnormals.</summary>
    public static readonly float[] SingleSpecials =
        [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, 1e-40f, float.MaxValue, 65504f, 65520f, -65520f, 1e-8f];

    /// <summary>Mostly random fp16 bit patterns of either sign (every finite value equally likely), one in sixteen a special value.</summary>
    public static Half[] RandomHalves(Random random, int length)
    {
        var values = new Half[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(16) == 0
                ? HalfSpecials[random.Next(HalfSpecials.Length)]
                : BitConverter.UInt16BitsToHalf((ushort)(random.Next(0x7C00) | (random.Next(2) << 15)));
        }

        return values;
    }

    /// <summary>Random floats over a wide range of magnitudes, one in sixteen a special value.</summary>
    public static float[] RandomSingles(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(16) == 0
                ? SingleSpecials[random.Next(SingleSpecials.Length)]
                : (random.NextSingle() - 0.5f) * MathF.Pow(2, random.Next(-20, 12));
        }

        return values;
    }

    /// <summary>
    /// Asserts equal bits over [offset, offset + length). Two NaNs count as equal: the fp16 contract does not fix NaN
    /// payloads (nnunet-parity.md §0), and the hardware's choice among NaN operands follows the JIT's instruction order.
    /// </summary>
    public static void AssertBits(Half[] expected, Half[] actual, int offset, int length, string context)
    {
        for (int i = offset; i < offset + length; i++)
        {
            ushort e = BitConverter.HalfToUInt16Bits(expected[i]);
            ushort a = BitConverter.HalfToUInt16Bits(actual[i]);
            if (e != a && (!Half.IsNaN(expected[i]) || !Half.IsNaN(actual[i])))
            {
                Assert.Fail($"{context}, index {i}: expected 0x{e:X4} ({expected[i]}), got 0x{a:X4} ({actual[i]})");
            }
        }
    }

    /// <summary>Asserts equal bits, NaN payloads included.</summary>
    public static void AssertBits(float[] expected, float[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            uint e = BitConverter.SingleToUInt32Bits(expected[i]);
            uint a = BitConverter.SingleToUInt32Bits(actual[i]);
            if (e != a)
            {
                Assert.Fail($"{context}, element {i}: expected 0x{e:X8} ({expected[i]}), got 0x{a:X8} ({actual[i]})");
            }
        }
    }
}
