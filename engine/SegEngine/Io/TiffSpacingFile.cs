using System.Globalization;
using System.Text.Json;

namespace SegEngine.Io;

/// <summary>
/// Tiff3DIO's auxiliary <c>{case}.json</c>: <c>{"spacing": [z, y, x]}</c> read with Python's <c>json.load</c> and written
/// back with batchgenerators' <c>save_json</c> (<c>json.dump(obj, f, sort_keys=True, indent=4)</c>): integers stay integers,
/// other numbers become Python floats printed by <c>repr</c>.
/// </summary>
internal static class TiffSpacingFile
{
    /// <summary>Reads the spacing; three positive finite numbers, each with the text Python would write back for it.</summary>
    public static (double[] Spacing, string[] Tokens) Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SegEngineException(SegErrorCode.Io, $"{path}: cannot read the spacing file: {e.Message}", e);
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("spacing", out JsonElement spacing))
            {
                throw Invalid(path, "the key 'spacing' is missing");
            }

            if (spacing.ValueKind != JsonValueKind.Array || spacing.GetArrayLength() != 3)
            {
                throw Invalid(path, "'spacing' must have 3 entries, one for each dimension of the image");
            }

            var values = new double[3];
            var tokens = new string[3];
            int i = 0;
            foreach (JsonElement item in spacing.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out values[i]) || !double.IsFinite(values[i]) || values[i] <= 0)
                {
                    throw Invalid(path, $"'spacing' entry {i} is {item.GetRawText()}, not a positive finite number");
                }

                string raw = item.GetRawText();
                tokens[i] = raw.AsSpan().IndexOfAny(".eE") < 0 && System.Numerics.BigInteger.TryParse(raw, CultureInfo.InvariantCulture, out var whole)
                    ? whole.ToString(CultureInfo.InvariantCulture)
                    : PythonRepr(values[i]);
                i++;
            }

            return (values, tokens);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"not valid JSON: {e.Message}");
        }
    }

    /// <summary>The file <c>save_json({'spacing': spacing})</c> writes for spacing given as Python's own tokens.</summary>
    public static string Render(IReadOnlyList<string> tokens) =>
        "{\n    \"spacing\": [\n" + string.Join(",\n", tokens.Select(t => "        " + t)) + "\n    ]\n}";

    /// <summary>The same for spacing known only as numbers (from a properties file): whole numbers as integers.</summary>
    public static string Render(IReadOnlyList<double> spacing) =>
        Render(spacing.Select(v => v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(CultureInfo.InvariantCulture) : PythonRepr(v)).ToArray());

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, positional for 1e-4 ≤ |x| &lt; 1e16, else d.ddde±XX.</summary>
    internal static string PythonRepr(double value)
    {
        if (!double.IsFinite(value))
        {
            return double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
        }

        string roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        // Digits and decimal exponent of the shortest round-trip form.
        string mantissa = roundTrip, exponentText = "0";
        int e = roundTrip.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = roundTrip[..e];
            exponentText = roundTrip[(e + 1)..];
        }

        int point = mantissa.IndexOf('.');
        string digits = point < 0 ? mantissa : mantissa.Remove(point, 1);
        int decimalExponent = int.Parse(exponentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) + (point < 0 ? mantissa.Length : point) - 1;
        int leadingZeros = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        decimalExponent -= leadingZeros;
        if (digits.Length == 0)
        {
            return value.Equals(-0.0) && double.IsNegative(value) ? "-0.0" : "0.0";
        }

        string sign = value < 0 ? "-" : string.Empty;
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            string fraction = digits.Length > 1 ? "." + digits[1..] : string.Empty;
            return $"{sign}{digits[0]}{fraction}e{(decimalExponent < 0 ? "-" : "+")}{Math.Abs(decimalExponent):00}";
        }

        if (decimalExponent < 0)
        {
            return $"{sign}0.{new string('0', -decimalExponent - 1)}{digits}";
        }

        if (digits.Length <= decimalExponent + 1)
        {
            return $"{sign}{digits}{new string('0', decimalExponent + 1 - digits.Length)}.0";
        }

        return $"{sign}{digits[..(decimalExponent + 1)]}.{digits[(decimalExponent + 1)..]}";
    }

    private static SegEngineException Invalid(string path, string problem) => new(SegErrorCode.InvalidInput, $"{path}: {problem}");
}
