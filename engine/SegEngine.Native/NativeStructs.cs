using System.Runtime.InteropServices;

namespace SegEngine.Native;

// The layouts of segengine.h's structs, field for field; the C side is the definition.

/// <summary><c>SEG_DEVICE_*</c>.</summary>
internal static class NativeDevice
{
    public const int Auto = 0;
    public const int Cpu = 1;
    public const int Cuda = 2;
}

/// <summary><c>seg_options</c>, version 1.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeOptions
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public int Device;
    public byte* Configuration;
    public byte* Folds;
    public int Threads;
    public int UseMirroring;
    public double StepSize;
    public double MemoryBudgetGb;
}

/// <summary><c>seg_image</c>, version 1.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeImage
{
    public const uint CurrentVersion = 1;

    public uint Version;
    public int Channels;
    public float* Data;
    public nuint DataCount;
    public fixed long Shape[3];
    public fixed double Spacing[3];
    public double* Affine;
}

/// <summary><c>seg_model_info</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeModelInfo
{
    public int Device;
    public int Channels;
    public int LabelType;
    public int Folds;
}

/// <summary><c>seg_memory_plan</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeMemoryPlan
{
    public ulong TotalBytes;
    public int BatchSize;
    public int StreamingDepth;
}
