using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Kernels;

/// <summary>
/// fp16 ↔ float32 conversion of whole vectors in registers, bit for bit the <c>(float)</c> and <c>(Half)</c> casts on
/// every non-NaN value (a NaN stays a quiet NaN of the same sign). .NET exposes no F16C instructions, so the kernels
/// that read or write fp16 convert with these integer steps instead of staging float arrays.
/// </summary>
/// <remarks>
/// Widening is exact: the half's exponent is rebased (subnormals through one exact float subtraction). Narrowing rounds
/// to nearest, ties to even: normals by adding 0xFFF plus the kept last bit before the shift (a carry may bump the
/// exponent, up to infinity from 65520 on), values below 2⁻¹⁴ by one float addition of 0.5, whose rounding is the
/// half's subnormal grid.
/// </remarks>
internal static class HalfLanes
{
    private const uint HalfMagnitude = 0x7FFF;
    private const uint HalfExponent = 0x7C00 << 13;
    private const uint ExponentRebase = (127 - 15) << 23;
    private const uint InfinityRebase = (128 - 16) << 23;

    /// <summary>2⁻¹⁴ as float bits: a subnormal half's fraction plus it, minus it, is the value.</summary>
    private const uint SubnormalMagic = 113 << 23;

    /// <summary>2¹⁶ as float bits: from here on a float is infinite as a half.</summary>
    private const uint HalfOverflowBits = (127 + 16) << 23;

    private const uint SingleInfinityBits = 0x7F800000;

    /// <summary>0.5 as float bits: adding it to a magnitude below 2⁻¹⁴ leaves the half's subnormal bits at the bottom.</summary>
    private const uint SubnormalRounder = ((127 - 15) + (23 - 10) + 1) << 23;

    private const uint HalfInfinity = 0x7C00;
    private const uint HalfQuietNaN = 0x7E00;

    /// <summary>Widens one half's bits to float32: the <c>(float)</c> cast without its slow software path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits)
    {
        uint shifted = (bits & HalfMagnitude) << 13;
        uint exponent = shifted & HalfExponent;
        uint rebased = shifted + ExponentRebase + (exponent == HalfExponent ? InfinityRebase : 0);
        float magnitude = exponent == 0
            ? BitConverter.UInt32BitsToSingle(rebased + (1u << 23)) - BitConverter.UInt32BitsToSingle(SubnormalMagic)
            : BitConverter.UInt32BitsToSingle(rebased);
        return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(magnitude) | ((bits & 0x8000u) << 16));
    }

    /// <summary>Rounds one float32 to half bits: the <c>(Half)</c> cast without its slow software path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToHalfBits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint magnitude = bits & 0x7FFFFFFFu;
        uint result = magnitude > SingleInfinityBits ? HalfQuietNaN | ((magnitude >> 13) & 0x3FFu)
            : magnitude >= HalfOverflowBits ? HalfInfinity
            : magnitude < SubnormalMagic ? BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle(magnitude) + BitConverter.UInt32BitsToSingle(SubnormalRounder)) - SubnormalRounder
            : (magnitude - ExponentRebase + 0xFFFu + ((magnitude >> 13) & 1)) >> 13;
        return (ushort)(result | ((bits >> 16) & 0x8000u));
    }

    /// <summary>Widens 8 halves (bits in the low 16 of each lane) to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle(Vector256<uint> bits)
    {
        Vector256<uint> shifted = (bits & Vector256.Create(HalfMagnitude)) << 13;
        Vector256<uint> exponent = shifted & Vector256.Create(HalfExponent);
        Vector256<uint> rebased = shifted + Vector256.Create(ExponentRebase);
        rebased += Vector256.Equals(exponent, Vector256.Create(HalfExponent)) & Vector256.Create(InfinityRebase);
        Vector256<float> subnormal = (rebased + Vector256.Create(1u << 23)).AsSingle() - Vector256.Create(SubnormalMagic).AsSingle();
        Vector256<float> magnitude = Vector256.ConditionalSelect(Vector256.Equals(exponent, Vector256<uint>.Zero).AsSingle(), subnormal, rebased.AsSingle());
        return magnitude | ((bits & Vector256.Create(0x8000u)) << 16).AsSingle();
    }

    /// <summary>Widens 16 halves (bits in the low 16 of each lane) to float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ToSingle(Vector512<uint> bits)
    {
        Vector512<uint> shifted = (bits & Vector512.Create(HalfMagnitude)) << 13;
        Vector512<uint> exponent = shifted & Vector512.Create(HalfExponent);
        Vector512<uint> rebased = shifted + Vector512.Create(ExponentRebase);
        rebased += Vector512.Equals(exponent, Vector512.Create(HalfExponent)) & Vector512.Create(InfinityRebase);
        Vector512<float> subnormal = (rebased + Vector512.Create(1u << 23)).AsSingle() - Vector512.Create(SubnormalMagic).AsSingle();
        Vector512<float> magnitude = Vector512.ConditionalSelect(Vector512.Equals(exponent, Vector512<uint>.Zero).AsSingle(), subnormal, rebased.AsSingle());
        return magnitude | ((bits & Vector512.Create(0x8000u)) << 16).AsSingle();
    }

    /// <summary>Rounds 8 floats to half bits, in the low 16 of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> ToHalfBits(Vector256<float> value)
    {
        Vector256<uint> bits = value.AsUInt32();
        Vector256<uint> sign = (bits >>> 16) & Vector256.Create(0x8000u);
        Vector256<uint> magnitude = bits & Vector256.Create(0x7FFFFFFFu);
        Vector256<uint> odd = (magnitude >>> 13) & Vector256<uint>.One;
        Vector256<uint> normal = (magnitude - Vector256.Create(ExponentRebase) + Vector256.Create(0xFFFu) + odd) >>> 13;
        Vector256<uint> subnormal = (magnitude.AsSingle() + Vector256.Create(SubnormalRounder).AsSingle()).AsUInt32() - Vector256.Create(SubnormalRounder);
        Vector256<int> signed = magnitude.AsInt32();
        Vector256<uint> result = Vector256.ConditionalSelect(Vector256.LessThan(signed, Vector256.Create((int)SubnormalMagic)).AsUInt32(), subnormal, normal);
        result = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(signed, Vector256.Create((int)HalfOverflowBits)).AsUInt32(), Vector256.Create(HalfInfinity), result);
        Vector256<uint> nan = Vector256.Create(HalfQuietNaN) | ((magnitude >>> 13) & Vector256.Create(0x3FFu));
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(signed, Vector256.Create((int)SingleInfinityBits)).AsUInt32(), nan, result);
        return result | sign;
    }

    /// <summary>Rounds 16 floats to half bits, in the low 16 of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> ToHalfBits(Vector512<float> value)
    {
        Vector512<uint> bits = value.AsUInt32();
        Vector512<uint> sign = (bits >>> 16) & Vector512.Create(0x8000u);
        Vector512<uint> magnitude = bits & Vector512.Create(0x7FFFFFFFu);
        Vector512<uint> odd = (magnitude >>> 13) & Vector512<uint>.One;
        Vector512<uint> normal = (magnitude - Vector512.Create(ExponentRebase) + Vector512.Create(0xFFFu) + odd) >>> 13;
        Vector512<uint> subnormal = (magnitude.AsSingle() + Vector512.Create(SubnormalRounder).AsSingle()).AsUInt32() - Vector512.Create(SubnormalRounder);
        Vector512<int> signed = magnitude.AsInt32();
        Vector512<uint> result = Vector512.ConditionalSelect(Vector512.LessThan(signed, Vector512.Create((int)SubnormalMagic)).AsUInt32(), subnormal, normal);
        result = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(signed, Vector512.Create((int)HalfOverflowBits)).AsUInt32(), Vector512.Create(HalfInfinity), result);
        Vector512<uint> nan = Vector512.Create(HalfQuietNaN) | ((magnitude >>> 13) & Vector512.Create(0x3FFu));
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(signed, Vector512.Create((int)SingleInfinityBits)).AsUInt32(), nan, result);
        return result | sign;
    }

    /// <summary>Widens 16 halves at <paramref name="source"/> + <paramref name="i"/> to two float32 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> Lower, Vector256<float> Upper) Load256(ref ushort source, nuint i)
    {
        (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref source, i));
        return (ToSingle(lower), ToSingle(upper));
    }

    /// <summary>Widens 32 halves at <paramref name="source"/> + <paramref name="i"/> to two float32 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector512<float> Lower, Vector512<float> Upper) Load512(ref ushort source, nuint i)
    {
        (Vector512<uint> lower, Vector512<uint> upper) = Vector512.Widen(Vector512.LoadUnsafe(ref source, i));
        return (ToSingle(lower), ToSingle(upper));
    }

    /// <summary>Rounds two float32 vectors to 16 halves stored at <paramref name="destination"/> + <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store256(Vector256<float> lower, Vector256<float> upper, ref ushort destination, nuint i) =>
        Vector256.Narrow(ToHalfBits(lower), ToHalfBits(upper)).StoreUnsafe(ref destination, i);

    /// <summary>Rounds two float32 vectors to 32 halves stored at <paramref name="destination"/> + <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store512(Vector512<float> lower, Vector512<float> upper, ref ushort destination, nuint i) =>
        Vector512.Narrow(ToHalfBits(lower), ToHalfBits(upper)).StoreUnsafe(ref destination, i);
}
