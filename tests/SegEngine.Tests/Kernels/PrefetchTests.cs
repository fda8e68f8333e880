using SegEngine.Kernels;

namespace SegEngine.Tests.Kernels;

public class PrefetchTests
{
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
}
