using System.Globalization;

namespace SegEngine.Io.Itk;

/// <summary>The header's fields with NRRD's value syntax: numbers, words and parenthesised vectors per axis.</summary>
internal sealed class NrrdFields(string path, Dictionary<string, string> values)
{
    public string Path => path;

    public string? Text(string key) => values.GetValueOrDefault(key);

    public long Integer(string key, long min, long max, bool required)
    {
        if (!values.TryGetValue(key, out string? text))
        {
            return required ? throw new ItkFormatException(path, NrrdHeader.FormatName, key, "missing") : 0;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v >= min && v <= max
            ? v
            : throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"'{MetaImageHeader.Shorten(text)}' is not a whole number from {min} to {max}");
    }

    public long[] Integers(string key, int count)
    {
        string[] words = Words(key, count) ?? throw new ItkFormatException(path, NrrdHeader.FormatName, key, "missing");
        var result = new long[count];
        for (int i = 0; i < count; i++)
        {
            if (!long.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]))
            {
                throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"'{MetaImageHeader.Shorten(words[i])}' is not a whole number");
            }
        }

        return result;
    }

    public double[]? Doubles(string key, int count)
    {
        string[]? words = Words(key, count);
        return words?.Select(w => ParseNumber(w, path, key)).ToArray();
    }

    public string[]? Words(string key, int count)
    {
        if (!values.TryGetValue(key, out string? text))
        {
            return null;
        }

        string[] words = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length == count
            ? words
            : throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"needs {count} entries (one per axis), got {words.Length}");
    }

    /// <summary>The per-axis entries of a field of vectors: "(a,b,c)" or "none", separated by spaces.</summary>
    public string[]? Vectors(string key, int count)
    {
        if (!values.TryGetValue(key, out string? text))
        {
            return null;
        }

        var entries = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            int end = text[i] == '(' ? text.IndexOf(')', i) : text.IndexOfAny([' ', '\t'], i);
            end = end < 0 ? text.Length : end + (text[i] == '(' ? 1 : 0);
            entries.Add(text[i..end]);
            i = end;
        }

        return entries.Count == count
            ? entries.ToArray()
            : throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"needs {count} entries (one per axis), got {entries.Count}");
    }

    public double[]? Vector(string key, int count) =>
        values.TryGetValue(key, out string? text) ? ParseVector(text.Trim(), count, path, key) : null;

    public static double[] ParseVector(string text, int count, string path, string key)
    {
        if (text.Length < 2 || text[0] != '(' || text[^1] != ')')
        {
            throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"'{MetaImageHeader.Shorten(text)}' is not a vector '(a,b,…)'");
        }

        string[] parts = text[1..^1].Split(',');
        return parts.Length == count
            ? parts.Select(p => ParseNumber(p.Trim(), path, key)).ToArray()
            : throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"'{MetaImageHeader.Shorten(text)}' has {parts.Length} components, the space has {count}");
    }

    private static double ParseNumber(string text, string path, string key)
    {
        if (text.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            return double.NaN;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new ItkFormatException(path, NrrdHeader.FormatName, key, $"'{MetaImageHeader.Shorten(text)}' is not a number");
    }
}
