namespace SegEngine;

/// <summary>Why an operation of the engine failed; stable across releases (the C ABI maps these to status codes).</summary>
public enum SegErrorCode
{
    /// <summary>An input image is malformed, truncated or inconsistent.</summary>
    InvalidInput = 1,
    /// <summary>The model folder is incomplete or disagrees with itself (plans, dataset.json, checkpoint, ONNX).</summary>
    InvalidModel = 2,
    /// <summary>The request is well formed but names a feature the engine does not implement.</summary>
    Unsupported = 3,
    /// <summary>A file could not be read or written.</summary>
    Io = 4,
    /// <summary>The work does not fit in the memory budget.</summary>
    MemoryBudget = 5,
    /// <summary>The caller cancelled the operation.</summary>
    Cancelled = 6,
    /// <summary>The network runtime failed.</summary>
    Runtime = 7,
    /// <summary>Numbers went out of range (NaN or infinity where none is allowed).</summary>
    Numeric = 8,
}
