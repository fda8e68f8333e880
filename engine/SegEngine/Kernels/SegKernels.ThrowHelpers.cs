using System.Diagnostics.CodeAnalysis;

namespace SegEngine.Kernels;

/// <summary>Span kernels shared by the stages; one operation per file.</summary>
internal static partial class SegKernels
{
    [DoesNotReturn]
    private static void ThrowLengthMismatch(string parameterName, int expected, int actual) =>
        throw new ArgumentException($"expected {expected} elements, got {actual}", parameterName);

    [DoesNotReturn]
    private static void ThrowLengthMismatch(string parameterName) =>
        throw new ArgumentException("every span must have the same length as the input", parameterName);
}
