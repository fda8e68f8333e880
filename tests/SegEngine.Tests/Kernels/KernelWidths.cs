using SegEngine.Kernels;

namespace SegEngine.Tests.Kernels;

/// <summary>
/// The widths every kernel test runs at: scalar, Vector256 and Vector512, each forced on the test's own thread, so the
/// Vector256 paths run on AVX-512 machines and the Vector512 paths (emulated) on AVX2 ones. Every width is compared
/// with the same naive twin, bit for bit, so the widths also agree with each other bit for bit.
/// </summary>
public static class KernelWidths
{
    private static readonly int[] Widths = [(int)VectorWidth.Scalar, (int)VectorWidth.Vector256, (int)VectorWidth.Vector512];

    private static readonly int[] Offsets = [0, 1, 3];

    public static TheoryData<int> All()
    {
        var data = new TheoryData<int>();
        foreach (int width in Widths)
        {
            data.Add(width);
        }

        return data;
    }

    /// <summary>Every width with the misaligned starts (0, 1 and 3 elements into the array).</summary>
    public static TheoryData<int, int> AllWithOffsets()
    {
        var data = new TheoryData<int, int>();
        foreach (int width in Widths)
        {
            foreach (int offset in Offsets)
            {
                data.Add(width, offset);
            }
        }

        return data;
    }

    /// <summary>Forces <paramref name="width"/> (a <see cref="VectorWidth"/> value) on this thread until disposed.</summary>
    internal static SegKernels.ForcedWidth Force(int width) => SegKernels.ForceWidth((VectorWidth)width);
}
