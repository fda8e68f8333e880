using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SegEngine.Native;

/// <summary>The status codes of <c>segengine.h</c> and the mapping from the engine's exceptions to them.</summary>
internal static class NativeStatus
{
    public const int Ok = 0;
    public const int InvalidArgument = -1;
    public const int InvalidHandle = -2;
    public const int BufferTooSmall = -3;
    public const int Cancelled = -4;
    public const int InvalidInput = -5;
    public const int InvalidModel = -6;
    public const int Unsupported = -7;
    public const int Io = -8;
    public const int Memory = -9;
    public const int Runtime = -10;
    public const int Numeric = -11;
    public const int Internal = -12;

    /// <summary>The status a failure becomes at the C boundary.</summary>
    public static int Of(Exception exception) => exception switch
    {
        NativeCallException e => e.Status,
        SegEngineException e => Of(e.Code),
        OperationCanceledException => Cancelled,
        ArgumentException => InvalidArgument,
        IOException or UnauthorizedAccessException => Io,
        OutOfMemoryException => Memory,
        _ => Internal,
    };

    /// <summary>
    /// A static, NUL-terminated name. UTF-8 literals live in the library's read-only data and carry a NUL after their
    /// last byte, so the pointer stays valid for the life of the process.
    /// </summary>
    public static unsafe byte* Name(int status) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(status switch
    {
        Ok => "SEG_OK"u8,
        InvalidArgument => "SEG_EINVAL"u8,
        InvalidHandle => "SEG_EHANDLE"u8,
        BufferTooSmall => "SEG_EBUFS"u8,
        Cancelled => "SEG_ECANCELLED"u8,
        InvalidInput => "SEG_EINPUT"u8,
        InvalidModel => "SEG_EMODEL"u8,
        Unsupported => "SEG_EUNSUPPORTED"u8,
        Io => "SEG_EIO"u8,
        Memory => "SEG_EMEMORY"u8,
        Runtime => "SEG_ERUNTIME"u8,
        Numeric => "SEG_ENUMERIC"u8,
        Internal => "SEG_EINTERNAL"u8,
        _ => "unknown status"u8,
    }));

    private static int Of(SegErrorCode code) => code switch
    {
        SegErrorCode.InvalidInput => InvalidInput,
        SegErrorCode.InvalidModel => InvalidModel,
        SegErrorCode.Unsupported => Unsupported,
        SegErrorCode.Io => Io,
        SegErrorCode.MemoryBudget => Memory,
        SegErrorCode.Cancelled => Cancelled,
        SegErrorCode.Runtime => Runtime,
        SegErrorCode.Numeric => Numeric,
        _ => Internal,
    };
}
