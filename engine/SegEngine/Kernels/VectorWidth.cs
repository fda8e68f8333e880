namespace SegEngine.Kernels;

/// <summary>The widest vectors a kernel's loop uses; each loop then steps down through the narrower widths to a scalar tail.</summary>
internal enum VectorWidth
{
    /// <summary>One element at a time: the kernels' definitions.</summary>
    Scalar = 0,

    /// <summary><see cref="System.Runtime.Intrinsics.Vector256{T}"/> (AVX2 machines such as AMD Zen 3).</summary>
    Vector256 = 256,

    /// <summary><see cref="System.Runtime.Intrinsics.Vector512{T}"/> (AVX-512 machines).</summary>
    Vector512 = 512,
}
