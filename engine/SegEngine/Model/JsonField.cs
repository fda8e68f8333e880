using System.Globalization;
using System.Text.Json;

namespace SegEngine.Model;

/// <summary>
/// A value inside one of the model's JSON files, with the file and the path that led to it, so that every
/// validation error can say where it found what (e.g. <c>plans.json: configurations.2d.patch_size[1] must be ...</c>).
/// </summary>
internal readonly struct JsonField
{
    public JsonField(JsonElement element, string file, string path)
    {
        Element = element;
        File = file;
        Path = path;
    }

    public JsonElement Element { get; }

    public string File { get; }

    public string Path { get; }

    public bool IsNull => Element.ValueKind == JsonValueKind.Null;

    /// <summary>Parses a JSON file; an unreadable or malformed file is an <see cref="SegErrorCode.InvalidModel"/> error naming it.</summary>
    public static JsonDocument ParseFile(string file)
    {
        if (!System.IO.File.Exists(file))
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"missing file {file}");
        }

        try
        {
            using FileStream stream = System.IO.File.OpenRead(file);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{file}: not valid JSON ({e.Message})", e);
        }
    }

    public JsonField Required(string key) =>
        Optional(key) ?? throw Error($"has no key '{key}'");

    public JsonField? Optional(string key)
    {
        RequireKind(JsonValueKind.Object, "an object");
        return Element.TryGetProperty(key, out JsonElement value) ? new JsonField(value, File, Child(key)) : null;
    }

    public IEnumerable<(string Key, JsonField Value)> Properties()
    {
        RequireKind(JsonValueKind.Object, "an object");
        foreach (JsonProperty property in Element.EnumerateObject())
        {
            yield return (property.Name, new JsonField(property.Value, File, Child(property.Name)));
        }
    }

    public IReadOnlyList<JsonField> Items()
    {
        RequireKind(JsonValueKind.Array, "a list");
        var items = new List<JsonField>(Element.GetArrayLength());
        int index = 0;
        foreach (JsonElement item in Element.EnumerateArray())
        {
            items.Add(new JsonField(item, File, $"{Path}[{index}]"));
            index++;
        }

        return items;
    }

    public string AsString()
    {
        RequireKind(JsonValueKind.String, "a string");
        return Element.GetString()!;
    }

    public bool AsBool() =>
        Element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error($"must be true or false, found {Describe()}"),
        };

    public int AsInt()
    {
        if (Element.ValueKind == JsonValueKind.Number)
        {
            if (Element.TryGetInt32(out int value))
            {
                return value;
            }

            // nnU-Net writes some integers through NumPy floats (e.g. 64.0); accept integral values.
            if (Element.TryGetDouble(out double real) && real == Math.Floor(real) && Math.Abs(real) <= int.MaxValue)
            {
                return (int)real;
            }
        }

        throw Error($"must be an integer, found {Describe()}");
    }

    public double AsDouble()
    {
        if (Element.ValueKind == JsonValueKind.Number && Element.TryGetDouble(out double value))
        {
            return value;
        }

        throw Error($"must be a number, found {Describe()}");
    }

    public int[] AsIntArray() => Items().Select(item => item.AsInt()).ToArray();

    public double[] AsDoubleArray() => Items().Select(item => item.AsDouble()).ToArray();

    public bool[] AsBoolArray() => Items().Select(item => item.AsBool()).ToArray();

    public int[][] AsIntMatrix() => Items().Select(item => item.AsIntArray()).ToArray();

    public SegEngineException Error(string problem) =>
        new(SegErrorCode.InvalidModel, Path.Length == 0 ? $"{File}: the top level {problem}" : $"{File}: {Path} {problem}");

    public string Describe()
    {
        string raw = Element.GetRawText();
        return raw.Length <= 60 ? raw : string.Concat(raw.AsSpan(0, 57), "...");
    }

    private string Child(string key) =>
        Path.Length == 0 ? key : string.Create(CultureInfo.InvariantCulture, $"{Path}.{key}");

    private void RequireKind(JsonValueKind kind, string what)
    {
        if (Element.ValueKind != kind)
        {
            throw Error($"must be {what}, found {Describe()}");
        }
    }
}
