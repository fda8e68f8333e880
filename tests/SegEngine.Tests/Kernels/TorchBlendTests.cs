using SegEngine.Kernels;

namespace SegEngine.Tests.Kernels;

public class TorchBlendTests
{
    [Theory]
    [MemberData(nameof(KernelWidths.AllWithOffsets), MemberType = typeof(KernelWidths))]
    public void EveryWidthEqualsTheScalarFusedMultiplyAdd(int width, int offset)
    {
        using var forced = KernelWidths.Force(width);
        var random = new Random(17 + width + offset);
        int length = 77;
        float[] a = [.. Enumerable.Range(0, length + offset).Select(_ => (float)((random.NextDouble() - 0.5) * 300))];
        float[] b = [.. Enumerable.Range(0, length + offset).Select(_ => (float)((random.NextDouble() - 0.5) * 300))];
        a[offset] = -0f;
        b[offset + 1] = float.MaxValue;
        float w1 = 0.3f;
        float w0 = 1f - w1;
        var actual = new float[length];

        SegKernels.TorchBlend(a.AsSpan(offset, length), b.AsSpan(offset, length), w0, w1, actual);

        for (int i = 0; i < length; i++)
        {
            // The naive twin: torch's t0 * w0 + t1 * w1 as GCC contracts it.
            float expected = MathF.FusedMultiplyAdd(a[offset + i], w0, b[offset + i] * w1);
            Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(actual[i]));
        }
    }

    [Fact]
    public void InPlaceUseIsAllowed()
    {
        float[] a = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f];
        float[] b = [9f, 8f, 7f, 6f, 5f, 4f, 3f, 2f, 1f];
        float[] expected = [.. a.Select((v, i) => MathF.FusedMultiplyAdd(v, 0.25f, b[i] * 0.75f))];

        SegKernels.TorchBlend(a, b, 0.25f, 0.75f, a);

        Assert.Equal(expected, a);
    }
}
