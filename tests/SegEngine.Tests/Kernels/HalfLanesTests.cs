using System.Runtime.Intrinsics;
using SegEngine.Kernels;

namespace SegEngine.Tests.Kernels;

/// <summary><see cref="HalfLanes"/> against the casts, bit for bit, at both vector widths and one at a time, on every half and on every tie between halves.</summary>
public sealed class HalfLanesTests
{
    [Fact]
    public void WideningMatchesTheCastOnEveryHalf()
    {
        for (int start = 0; start < 1 << 16; start += Vector512<uint>.Count)
        {
            Vector512<uint> bits = Vector512.Create((uint)start) + Vector512<uint>.Indices;
            Vector512<float> wide = HalfLanes.ToSingle(bits);
            Vector256<float> lower = HalfLanes.ToSingle(bits.GetLower());
            for (int lane = 0; lane < Vector512<uint>.Count; lane++)
            {
                float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(start + lane));
                AssertSame(expected, wide[lane], start + lane);
                AssertSame(expected, HalfLanes.ToSingle((ushort)(start + lane)), start + lane);
                if (lane < Vector256<uint>.Count)
                {
                    AssertSame(expected, lower[lane], start + lane);
                }
            }
        }
    }

    /// <summary>Every half, the exact ties between neighbours and the floats next to them, both signs, and the specials.</summary>
    [Fact]
    public void NarrowingMatchesTheCastOnEveryHalfAndTie()
    {
        var values = new List<float>(KernelTestData.SingleSpecials) { 65519.996f, 65536f, float.MaxValue, 1e-30f, 2.9802322e-08f, 2.9802326e-08f };
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            float h = (float)BitConverter.UInt16BitsToHalf((ushort)bits);
            float next = (float)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            float tie = (h + next) / 2;
            values.AddRange([h, tie, MathF.BitDecrement(tie), MathF.BitIncrement(tie), MathF.BitIncrement(h)]);
        }

        float[] all = [.. values, .. values.Select(v => -v)];
        int count = Vector512<float>.Count;
        Array.Resize(ref all, (all.Length + count - 1) / count * count);
        for (int start = 0; start < all.Length; start += count)
        {
            Vector512<float> chunk = Vector512.Create(all.AsSpan(start, count));
            Vector512<uint> wide = HalfLanes.ToHalfBits(chunk);
            Vector256<uint> narrow = HalfLanes.ToHalfBits(chunk.GetLower());
            for (int lane = 0; lane < count; lane++)
            {
                Half expected = (Half)all[start + lane];
                AssertSame(expected, (ushort)wide[lane], all[start + lane]);
                AssertSame(expected, HalfLanes.ToHalfBits(all[start + lane]), all[start + lane]);
                if (lane < Vector256<float>.Count)
                {
                    AssertSame(expected, (ushort)narrow[lane], all[start + lane]);
                }
            }
        }
    }

    private static void AssertSame(float expected, float actual, int bits)
    {
        if (float.IsNaN(expected) ? !float.IsNaN(actual) : BitConverter.SingleToUInt32Bits(expected) != BitConverter.SingleToUInt32Bits(actual))
        {
            Assert.Fail($"half 0x{bits:X4}: expected {expected}, got {actual}");
        }
    }

    private static void AssertSame(Half expected, ushort actual, float value)
    {
        Half got = BitConverter.UInt16BitsToHalf(actual);
        if (Half.IsNaN(expected) ? !Half.IsNaN(got) : BitConverter.HalfToUInt16Bits(expected) != actual)
        {
            Assert.Fail($"{value:R}: expected 0x{BitConverter.HalfToUInt16Bits(expected):X4}, got 0x{actual:X4}");
        }
    }
}
