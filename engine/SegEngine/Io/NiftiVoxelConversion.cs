using System.Buffers.Binary;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SegEngine.Io;

/// <summary>
/// How stored voxels become float32, which differs between nnU-Net's two NIfTI readers.
/// nibabel (<c>get_fdata()</c> then <c>astype(float32)</c>): every value goes through float64: y = (float)(((double)x · slope) + inter),
/// the multiply skipped when slope is 1 and the add when inter is 0; unscaled 64-bit integers round twice (to double, then float).
/// ITK (<c>NiftiImageIO::Read</c>): integers are first cast to float32, then rescaled in double (y = (float)((double)(float)x · slope + inter),
/// both steps always); unscaled 64-bit integers round once (numpy's int64→float32 cast of <c>GetArrayFromImage</c>).
/// </summary>
/// <param name="Scale">Whether slope/intercept apply.</param>
/// <param name="Slope">scl_slope as a double.</param>
/// <param name="Intercept">scl_inter as a double.</param>
/// <param name="IntegersToSingleFirst">ITK's order: integer voxels become float32 before scaling.</param>
/// <param name="AlwaysApplyBoth">ITK's arithmetic: multiply and add even when slope is 1 or inter is 0 (matters for -0).</param>
internal readonly record struct NiftiVoxelConversion(
    bool Scale,
    double Slope,
    double Intercept,
    bool IntegersToSingleFirst,
    bool AlwaysApplyBoth)
{
    /// <summary>Converts <paramref name="raw"/> (file byte order, whole voxels) into <paramref name="destination"/>; swaps <paramref name="raw"/> in place when needed.</summary>
    public void Convert(Span<byte> raw, NiftiDataType type, bool swap, Span<float> destination)
    {
        switch (type)
        {
            case NiftiDataType.UInt8:
                TensorPrimitives.ConvertTruncating<byte, float>(raw, destination);
                break;
            case NiftiDataType.Int8:
                TensorPrimitives.ConvertTruncating<sbyte, float>(MemoryMarshal.Cast<byte, sbyte>(raw), destination);
                break;
            case NiftiDataType.Int16:
                TensorPrimitives.ConvertTruncating<short, float>(Swapped<short>(raw, swap), destination);
                break;
            case NiftiDataType.UInt16:
                TensorPrimitives.ConvertTruncating<ushort, float>(Swapped<ushort>(raw, swap), destination);
                break;
            case NiftiDataType.Float32:
                MemoryMarshal.Cast<int, float>(Swapped<int>(raw, swap)).CopyTo(destination);
                break;
            case NiftiDataType.Int32:
                ConvertWide(Swapped<int>(raw, swap), destination);
                return;
            case NiftiDataType.UInt32:
                ConvertWide(Swapped<uint>(raw, swap), destination);
                return;
            case NiftiDataType.Int64:
                ConvertWide(Swapped<long>(raw, swap), destination);
                return;
            case NiftiDataType.UInt64:
                ConvertWide(Swapped<ulong>(raw, swap), destination);
                return;
            case NiftiDataType.Float64:
                ConvertWide(MemoryMarshal.Cast<long, double>(Swapped<long>(raw, swap)), destination);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported NIfTI datatype");
        }

        // Sources exact in float32 (8/16-bit integers, float32): scaling the float32 values in double is the same arithmetic.
        if (Scale)
        {
            ScaleInPlace(destination, Slope, Intercept, multiply: AlwaysApplyBoth || Slope != 1.0, add: AlwaysApplyBoth || Intercept != 0.0);
        }
    }

    /// <summary>
    /// values[i] = (float)((double)values[i] · slope + intercept), each step only when asked; two roundings-free double steps, never fused.
    /// </summary>
    internal static void ScaleInPlace(Span<float> values, double slope, double intercept, bool multiply, bool add)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && values.Length >= Vector256<float>.Count)
        {
            var s = Vector256.Create(slope);
            var b = Vector256.Create(intercept);
            ref float start = ref MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(v);
                if (multiply)
                {
                    lo *= s;
                    hi *= s;
                }

                if (add)
                {
                    lo += b;
                    hi += b;
                }

                Vector256.Narrow(lo, hi).StoreUnsafe(ref start, (nuint)i);
            }
        }

        for (; i < values.Length; i++)
        {
            double t = values[i];
            if (multiply)
            {
                t *= slope;
            }

            if (add)
            {
                t += intercept;
            }

            values[i] = (float)t;
        }
    }

    private void ConvertWide<T>(ReadOnlySpan<T> source, Span<float> destination)
        where T : unmanaged, INumberBase<T>
    {
        bool multiply = AlwaysApplyBoth || Slope != 1.0;
        bool add = AlwaysApplyBoth || Intercept != 0.0;
        bool singleFirst = IntegersToSingleFirst && typeof(T) != typeof(double);
        for (int i = 0; i < source.Length; i++)
        {
            // Unscaled: ITK casts straight to float; nibabel goes through double.
            double t = singleFirst ? float.CreateTruncating(source[i]) : double.CreateTruncating(source[i]);
            if (Scale)
            {
                if (multiply)
                {
                    t *= Slope;
                }

                if (add)
                {
                    t += Intercept;
                }
            }

            destination[i] = (float)t;
        }
    }

    private static ReadOnlySpan<T> Swapped<T>(Span<byte> raw, bool swap)
        where T : unmanaged
    {
        Span<T> typed = MemoryMarshal.Cast<byte, T>(raw);
        if (swap)
        {
            if (typeof(T) == typeof(short) || typeof(T) == typeof(ushort))
            {
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, short>(typed), MemoryMarshal.Cast<T, short>(typed));
            }
            else if (typeof(T) == typeof(int) || typeof(T) == typeof(uint))
            {
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, int>(typed), MemoryMarshal.Cast<T, int>(typed));
            }
            else
            {
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, long>(typed), MemoryMarshal.Cast<T, long>(typed));
            }
        }

        return typed;
    }
}
