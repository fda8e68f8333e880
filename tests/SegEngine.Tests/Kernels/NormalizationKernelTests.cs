using SegEngine.Kernels;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Kernels;

public class NormalizationKernelTests
{
    private static readonly float[] Specials =
        [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 84f, 529f, 83.99999f, 529.0001f, 1e-30f, -1e30f, float.Epsilon];

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void ClipSubtractDivideMatchesNaiveTwinOnAllLengthsInPlaceAndMisaligned(int width)
    {
        var random = new Random(11);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset <= 3; offset++)
            {
                float[] backing = RandomValues(random, length + offset);
                float[] x = backing.AsSpan(offset, length).ToArray();
                float[] expected = new float[length];
                NaiveNormalization.ClipSubtractDivide(x, 84f, 529f, 312.62338f, 133.10928f, expected);

                SegKernels.ClipSubtractDivide(backing.AsSpan(offset, length), 84f, 529f, 312.62338f, 133.10928f, backing.AsSpan(offset, length));

                AssertBitsEqual(expected, backing.AsSpan(offset, length).ToArray(), $"width {width}, length {length}, offset {offset}");
            }
        }
    }

    [Fact]
    public void ClipFollowsNumPyForSignedZeroBoundsAndInvertedBounds()
    {
        float[] x = [-0f, 0f, 5f, float.NaN];
        float[] actual = new float[4];
        SegKernels.ClipSubtractDivide(x, 0f, 10f, 0f, 1f, actual);
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(actual[0]));
        SegKernels.ClipSubtractDivide(x, -0f, 10f, 0f, 1f, actual);
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(actual[1]));
        SegKernels.ClipSubtractDivide(x, 7f, 3f, 0f, 1f, actual);
        Assert.Equal([3f, 3f, 3f], actual[..3]);
        Assert.True(float.IsNaN(actual[3]));
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void SubtractDivideMatchesNaiveTwinOnAllLengthsInPlaceAndMisaligned(int width)
    {
        var random = new Random(3);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset <= 3; offset++)
            {
                float[] backing = RandomValues(random, length + offset);
                float[] x = backing.AsSpan(offset, length).ToArray();
                float[] expected = new float[length];
                NaiveNormalization.SubtractDivide(x, 312.62338f, 133.10928f, expected);

                float[] separate = new float[length + 1];
                SegKernels.SubtractDivide(x, 312.62338f, 133.10928f, separate.AsSpan(1));
                AssertBitsEqual(expected, separate[1..], $"width {width}, length {length}, into a separate destination");

                SegKernels.SubtractDivide(backing.AsSpan(offset, length), 312.62338f, 133.10928f, backing.AsSpan(offset, length));
                AssertBitsEqual(expected, backing.AsSpan(offset, length).ToArray(), $"width {width}, length {length}, offset {offset}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void SubtractDivideMaskedMatchesNaiveTwinAndKeepsOutsideBits(int width)
    {
        var random = new Random(5);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            for (int offset = 0; offset <= 3; offset++)
            {
                float[] backing = RandomValues(random, length + offset);
                byte[] mask = Enumerable.Range(0, length).Select(_ => (byte)(random.Next(3) == 0 ? 0 : random.Next(1, 256))).ToArray();
                float[] x = backing.AsSpan(offset, length).ToArray();
                float[] expected = new float[length];
                NaiveNormalization.SubtractDivideMasked(x, mask, -3.25f, 0.3f, expected);

                SegKernels.SubtractDivideMasked(backing.AsSpan(offset, length), mask, -3.25f, 0.3f, backing.AsSpan(offset, length));

                AssertBitsEqual(expected, backing.AsSpan(offset, length).ToArray(), $"width {width}, length {length}, offset {offset}");
            }
        }
    }

    [Fact]
    public void ArgumentErrorsNameTheParameter()
    {
        float[] data = new float[10];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.SubtractDivide(data, 0f, 1f, new float[9])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => SegKernels.SubtractDivide(data.AsSpan(0, 8), 0f, 1f, data.AsSpan(1, 8))).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => SegKernels.SubtractDivideMasked(data, new byte[9], 0f, 1f, data)).ParamName);
        Assert.Equal("mask", Assert.Throws<ArgumentException>(() => SegKernels.CompressMasked(data, new byte[3], new float[4], out _)).ParamName);
    }

    [Fact]
    public void CompressMaskedMatchesNaiveTwinChunkByChunk()
    {
        var random = new Random(17);
        for (int length = 0; length <= 300; length++)
        {
            float[] x = RandomValues(random, length);
            byte[] mask = Enumerable.Range(0, length).Select(_ => (byte)(random.Next(3) == 0 ? 0 : random.Next(1, 256))).ToArray();
            int capacity = 1 + random.Next(40);
            int read = 0;
            while (true)
            {
                float[] expected = new float[capacity];
                (int expectedWritten, int expectedConsumed) = NaiveNormalization.CompressMasked(x[read..], mask[read..], expected);
                float[] actual = new float[capacity];
                int written = SegKernels.CompressMasked(x.AsSpan(read), mask.AsSpan(read), actual, out int consumed);

                string context = $"length {length}, capacity {capacity}, from {read}";
                Assert.True(expectedWritten == written && expectedConsumed == consumed, context);
                AssertBitsEqual(expected, actual, context);
                read += consumed;
                if (written == 0)
                {
                    break;
                }
            }

            Assert.Equal(length, read);
        }
    }

    [Fact]
    public void CompressMaskedStreamsInOrderAndStopsWhenFull()
    {
        float[] x = [1, 2, 3, 4, 5, 6];
        byte[] mask = [1, 0, 1, 1, 0, 1];
        float[] chunk = new float[2];
        Assert.Equal(2, SegKernels.CompressMasked(x, mask, chunk, out int consumed));
        Assert.Equal([1f, 3f], chunk);
        Assert.Equal(3, consumed);
        Assert.Equal(2, SegKernels.CompressMasked(x.AsSpan(consumed), mask.AsSpan(consumed), chunk, out consumed));
        Assert.Equal([4f, 6f], chunk);
        Assert.Equal(3, consumed);
    }

    private static float[] RandomValues(Random random, int length)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = random.Next(8) == 0 ? Specials[random.Next(Specials.Length)] : (float)((random.NextDouble() - 0.4) * 1200);
        }

        return values;
    }

    private static void AssertBitsEqual(float[] expected, float[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            int e = BitConverter.SingleToInt32Bits(expected[i]);
            int a = BitConverter.SingleToInt32Bits(actual[i]);
            Assert.True(e == a, $"{context}, element {i}: expected 0x{e:X8} ({expected[i]}), got 0x{a:X8} ({actual[i]})");
        }
    }
}
