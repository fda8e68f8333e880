using System.Globalization;
using SegEngine.Buffers;

namespace SegEngine.Tests.Buffers;

/// <summary>Memory in whole huge pages: zeroed, aligned to them, writable, and backed by them where the kernel offers them on advice.</summary>
public class HugePageMemoryTests
{
    private const long Bytes = 4 * PageAdvice.HugePageBytes;

    [Fact]
    public unsafe void AnAllocationIsZeroedAlignedAndWritable()
    {
        byte* memory = (byte*)HugePageMemory.Allocate(Bytes);
        try
        {
            var span = new Span<byte>(memory, (int)Bytes);
            Assert.Equal(-1, span.IndexOfAnyExcept((byte)0));
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(0, (long)memory % PageAdvice.HugePageBytes);
            }

            span.Fill(0xA5);
            Assert.Equal(-1, span.IndexOfAnyExcept((byte)0xA5));
        }
        finally
        {
            HugePageMemory.Free(memory, Bytes);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData(PageAdvice.HugePageBytes + 1)]
    public unsafe void OnlyWholeHugePagesAreAllocated(long bytes) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => (nint)HugePageMemory.Allocate(bytes));

    [Fact]
    public unsafe void WrittenMemoryIsBackedByHugePagesWhereTheKernelOffersThemOnAdvice()
    {
        if (!OperatingSystem.IsLinux() || !HugePagesOnAdvice())
        {
            return;
        }

        byte* memory = (byte*)HugePageMemory.Allocate(Bytes);
        try
        {
            new Span<byte>(memory, (int)Bytes).Fill(1);
            Assert.True(AnonymousHugeBytes((nint)memory) > 0, "no huge page backs the written allocation");
        }
        finally
        {
            HugePageMemory.Free(memory, Bytes);
        }
    }

    private static bool HugePagesOnAdvice()
    {
        const string Setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        return File.Exists(Setting) && File.ReadAllText(Setting) is string mode && (mode.Contains("[always]") || mode.Contains("[madvise]"));
    }

    /// <summary>The AnonHugePages bytes of the mapping that holds <paramref name="address"/>, from /proc/self/smaps.</summary>
    private static long AnonymousHugeBytes(nint address)
    {
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            string first = line.Split(' ', 2)[0];
            if (first.Contains('-') && !first.EndsWith(':'))
            {
                string[] range = first.Split('-');
                long start = long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                long end = long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                inMapping = start <= address && address < end;
            }
            else if (inMapping && first == "AnonHugePages:")
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
