using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SegEngine.Buffers;

/// <summary>
/// A block from <see cref="NativeMemory.AllocZeroed(nuint)"/> (calloc), freed when disposed or, if forgotten, when
/// the handle is finalized. Its whole huge pages are advised as such: volumes are written through, so a huge page
/// commits nothing that would not be written anyway, and faults 512 times fewer.
/// </summary>
internal sealed unsafe class ZeroedNativeBlock : SafeHandleZeroOrMinusOneIsInvalid
{
    public ZeroedNativeBlock(nuint bytes)
        : base(ownsHandle: true)
    {
        // calloc of a large block maps fresh zero pages: nothing is cleared, and nothing is committed until written.
        SetHandle((nint)NativeMemory.AllocZeroed(bytes));
        PageAdvice.PreferHugePages(handle, (long)bytes);
    }

    protected override bool ReleaseHandle()
    {
        NativeMemory.Free((void*)handle);
        return true;
    }
}
