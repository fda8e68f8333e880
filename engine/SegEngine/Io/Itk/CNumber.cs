using System.Globalization;

namespace SegEngine.Io.Itk;

/// <summary>Doubles as ITK's writers print them: C's <c>%.17g</c> (MetaIO's 17-digit stream precision, NrrdIO's <c>%.17g</c>).</summary>
internal static class CNumber
{
    /// <summary>17 significant digits, trailing zeros dropped, exponent form below 1e-4 or from 1e17 (<c>1e-05</c>, as C writes it).</summary>
    public static string G17(double value)
    {
        // .NET's G17 follows the same fixed/exponent rule and digits as %.17g; only the exponent letter differs.
        return value.ToString("G17", CultureInfo.InvariantCulture).Replace('E', 'e');
    }
}
