using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

internal static partial class SegKernels
{
    /// <summary>Bits below a half's 10-bit fraction in a double's 52-bit fraction.</summary>
    private const int HalfDroppedBits = 52 - 10;

    /// <summary>The smallest normal half, 2⁻¹⁴: below it halves are multiples of 2⁻²⁴.</summary>
    private const double SmallestNormalHalf = 6.103515625E-05;

    /// <summary>2²⁸, whose double spacing is 2⁻²⁴: adding it rounds a subnormal-half magnitude to that grid.</summary>
    private const double SubnormalHalfRounder = 268435456.0;

    /// <summary>Halfway between the largest half (65504) and 2¹⁶: from here on a double rounds to infinity.</summary>
    private const double HalfOverflow = 65520.0;

    /// <summary>
    /// Rounds float64 values to fp16 once, directly, and widens the result to float32 (exact): effectively
    /// <c>destination[i] = (float)(Half)source[i]</c>, NumPy's <c>astype(float16)</c> (round to nearest, ties to even).
    /// Inputs must not be NaN.
    /// </summary>
    /// <remarks>
    /// A lane rounds the magnitude's bits at the half's last fraction bit (a carry may bump the exponent, as it should),
    /// uses the 2⁻²⁴ grid below 2⁻¹⁴, overflows to infinity from 65520 and puts the sign back, so −0 stays −0.
    /// </remarks>
    public static void RoundToHalf(ReadOnlySpan<double> source, Span<float> destination)
    {
        if (destination.Length != source.Length)
        {
            ThrowLengthMismatch(nameof(destination), source.Length, destination.Length);
        }

        ref double values = ref MemoryMarshal.GetReference(source);
        ref float results = ref MemoryMarshal.GetReference(destination);
        nuint length = (nuint)source.Length;
        nuint i = 0;
        VectorWidth width = Width;
        if (width == VectorWidth.Vector512)
        {
            for (; i + (nuint)Vector512<float>.Count <= length; i += (nuint)Vector512<float>.Count)
            {
                Vector512<double> lower = RoundLanesToHalf(Vector512.LoadUnsafe(ref values, i));
                Vector512<double> upper = RoundLanesToHalf(Vector512.LoadUnsafe(ref values, i + (nuint)Vector512<double>.Count));
                Vector512.Narrow(lower, upper).StoreUnsafe(ref results, i);
            }
        }

        if (width >= VectorWidth.Vector256)
        {
            for (; i + (nuint)Vector256<float>.Count <= length; i += (nuint)Vector256<float>.Count)
            {
                Vector256<double> lower = RoundLanesToHalf(Vector256.LoadUnsafe(ref values, i));
                Vector256<double> upper = RoundLanesToHalf(Vector256.LoadUnsafe(ref values, i + (nuint)Vector256<double>.Count));
                Vector256.Narrow(lower, upper).StoreUnsafe(ref results, i);
            }
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref results, i) = RoundOneToHalf(Unsafe.Add(ref values, i));
        }
    }

    /// <summary>One value of <see cref="RoundToHalf(ReadOnlySpan{double}, Span{float})"/>: <c>(float)(Half)value</c> without the cast's slow software path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundOneToHalf(double value)
    {
        ulong sign = BitConverter.DoubleToUInt64Bits(value) & 0x8000_0000_0000_0000UL;
        double magnitude = Math.Abs(value);
        ulong bits = BitConverter.DoubleToUInt64Bits(magnitude);
        ulong odd = (bits >> HalfDroppedBits) & 1;
        ulong rounded = (bits + ((1UL << (HalfDroppedBits - 1)) - 1) + odd) & ~((1UL << HalfDroppedBits) - 1);
        double result = magnitude >= HalfOverflow ? double.PositiveInfinity
            : magnitude < SmallestNormalHalf ? (magnitude + SubnormalHalfRounder) - SubnormalHalfRounder
            : BitConverter.UInt64BitsToDouble(rounded);
        return (float)BitConverter.UInt64BitsToDouble(BitConverter.DoubleToUInt64Bits(result) | sign);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> RoundLanesToHalf(Vector256<double> value)
    {
        Vector256<double> sign = value & Vector256.Create(-0.0);
        Vector256<double> magnitude = Vector256.AndNot(value, Vector256.Create(-0.0));
        Vector256<ulong> bits = magnitude.AsUInt64();
        Vector256<ulong> odd = Vector256.ShiftRightLogical(bits, HalfDroppedBits) & Vector256<ulong>.One;
        Vector256<ulong> rounded = (bits + Vector256.Create((1UL << (HalfDroppedBits - 1)) - 1) + odd) & Vector256.Create(~((1UL << HalfDroppedBits) - 1));
        Vector256<double> subnormal = (magnitude + Vector256.Create(SubnormalHalfRounder)) - Vector256.Create(SubnormalHalfRounder);
        Vector256<double> result = Vector256.ConditionalSelect(Vector256.LessThan(magnitude, Vector256.Create(SmallestNormalHalf)), subnormal, rounded.AsDouble());
        result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(magnitude, Vector256.Create(HalfOverflow)), Vector256.Create(double.PositiveInfinity), result);
        return result | sign;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> RoundLanesToHalf(Vector512<double> value)
    {
        Vector512<double> sign = value & Vector512.Create(-0.0);
        Vector512<double> magnitude = Vector512.AndNot(value, Vector512.Create(-0.0));
        Vector512<ulong> bits = magnitude.AsUInt64();
        Vector512<ulong> odd = Vector512.ShiftRightLogical(bits, HalfDroppedBits) & Vector512<ulong>.One;
        Vector512<ulong> rounded = (bits + Vector512.Create((1UL << (HalfDroppedBits - 1)) - 1) + odd) & Vector512.Create(~((1UL << HalfDroppedBits) - 1));
        Vector512<double> subnormal = (magnitude + Vector512.Create(SubnormalHalfRounder)) - Vector512.Create(SubnormalHalfRounder);
        Vector512<double> result = Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(SmallestNormalHalf)), subnormal, rounded.AsDouble());
        result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(magnitude, Vector512.Create(HalfOverflow)), Vector512.Create(double.PositiveInfinity), result);
        return result | sign;
    }
}
