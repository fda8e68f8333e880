using SegEngine.Kernels;
using SegEngine.Tests.Reference;
using static SegEngine.Tests.Kernels.KernelTestData;

namespace SegEngine.Tests.Kernels;

/// <summary>The scanning kernels against their naive twins at every vector width, on every length 0..300 at misaligned offsets.</summary>
public class IndexOfTests
{
    private const int Seed = 20261207;

    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void IndexOfInfinityMatchesTwin(int width, int offset)
    {
        var random = new Random(Seed + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            Half[] values = new Half[length + offset];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.Next(32) == 0 ? Half.NaN : BitConverter.UInt16BitsToHalf((ushort)random.Next(0x7C00));
            }

            // None, one or two infinities of either sign, anywhere.
            int marks = random.Next(3);
            for (int m = 0; m < marks && length > 0; m++)
            {
                values[offset + random.Next(length)] = random.Next(2) == 0 ? Half.PositiveInfinity : Half.NegativeInfinity;
            }

            Assert.True(
                NaiveIndexOf.Infinity(values.AsSpan(offset)) == SegKernels.IndexOfInfinity(values.AsSpan(offset)),
                $"width {width}, length {length}, offset {offset} (seed {Seed})");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void IndexOfNaNMatchesTwin(int width, int offset)
    {
        var random = new Random(Seed + 10 + offset);
        using var forced = KernelWidths.Force(width);
        for (int length = 0; length <= 300; length++)
        {
            float[] values = RandomSingles(random, length + offset);
            for (int i = 0; i < values.Length; i++)
            {
                if (float.IsNaN(values[i]) && random.Next(4) > 0)
                {
                    values[i] = float.PositiveInfinity;
                }
            }

            if (length > 0 && random.Next(2) == 0)
            {
                // A negative NaN with a payload: any NaN counts, not only float.NaN's bits.
                values[offset + random.Next(length)] = BitConverter.UInt32BitsToSingle(0xFFC01234u);
            }

            Assert.True(
                NaiveIndexOf.NaN(values.AsSpan(offset)) == SegKernels.IndexOfNaN(values.AsSpan(offset)),
                $"width {width}, length {length}, offset {offset} (seed {Seed})");
        }
    }

    [Theory]
    [MemberData(nameof(KernelWidths.All), MemberType = typeof(KernelWidths))]
    public void EveryPositionIsFound(int width)
    {
        using var forced = KernelWidths.Force(width);
        for (int length = 1; length <= 100; length++)
        {
            for (int at = 0; at < length; at++)
            {
                var halves = new Half[length];
                halves[at] = Half.NegativeInfinity;
                Assert.Equal(at, SegKernels.IndexOfInfinity(halves));
                var singles = new float[length];
                singles[at] = float.NaN;
                Assert.Equal(at, SegKernels.IndexOfNaN(singles));
            }
        }
    }
}
