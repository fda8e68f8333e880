using System.Text.Json;
using SegEngine.Io;

namespace SegEngine.Preprocessing;

/// <summary>
/// The per-case properties preprocessing hands to the export, with nnU-Net's key names.
/// </summary>
/// <remarks>
/// The <c>properties</c> dict of <c>DefaultPreprocessor.run_case</c> (nnunet-parity.md §2, §3, §5). <see cref="Spacing"/> is the
/// reader's spacing in reader axis order, exactly nnU-Net's <c>spacing</c>; <see cref="TransposedSpacing"/> gives
/// <c>spacing_t</c>. <see cref="TargetSpacing"/> is SegEngine's addition (key <c>target_spacing</c>, which nnU-Net
/// does not write and ignores). The reader's geometry (<c>nibabel_stuff.original_affine</c> or <c>sitk_stuff</c>) is kept
/// so that <see cref="Geometry"/> can write a segmentation without the input image. Unknown keys are skipped when reading.
/// </remarks>
/// <param name="ShapeBeforeCropping"><c>shape_before_cropping</c>, transposed axis order.</param>
/// <param name="BboxUsedForCropping"><c>bbox_used_for_cropping</c>, half-open, transposed axis order.</param>
/// <param name="ShapeAfterCroppingAndBeforeResampling"><c>shape_after_cropping_and_before_resampling</c>.</param>
/// <param name="Spacing"><c>spacing</c>: the reader's spacing, reader axis order.</param>
/// <param name="TargetSpacing">The configuration's target spacing in transposed order (2d: axis 0 = spacing_t[0]), or null.</param>
/// <param name="OriginalAffine">NibabelIO's <c>nibabel_stuff.original_affine</c> (4×4, row-major), or null for other readers.</param>
/// <param name="SitkStuff">SimpleITKIO's <c>sitk_stuff</c>, or null for other readers.</param>
internal sealed record PreprocessingProperties(
    Shape3 ShapeBeforeCropping,
    BoundingBox BboxUsedForCropping,
    Shape3 ShapeAfterCroppingAndBeforeResampling,
    IReadOnlyList<double> Spacing,
    IReadOnlyList<double>? TargetSpacing,
    IReadOnlyList<double>? OriginalAffine,
    SitkStuff? SitkStuff = null)
{
    /// <summary>NibabelIOWithReorient's <c>nibabel_stuff.reoriented_affine</c> (4×4, row-major), or null for other readers.</summary>
    public IReadOnlyList<double>? ReorientedAffine { get; init; }

    /// <summary><c>spacing_t[i] = spacing[transpose_forward[i]]</c> (nnunet-parity.md §3.1).</summary>
    public double[] TransposedSpacing(IReadOnlyList<int> transposeForward) => Transposition.TransposeSpacing(Spacing, transposeForward);

    /// <summary>
    /// The geometry <paramref name="readerName"/> would have read from the original image, for writing its segmentation;
    /// the image's shape is <c>shape_before_cropping</c> transposed back. <paramref name="source"/> names these properties in errors.
    /// </summary>
    public ImageGeometry Geometry(string readerName, IReadOnlyList<int> transposeBackward, string source) =>
        ImageGeometry.FromProperties(
            readerName, Transposition.TransposeShape(ShapeBeforeCropping, transposeBackward), OriginalAffine, SitkStuff, source, ReorientedAffine, Spacing);

    /// <summary>Reads a <c>properties.json</c>; <paramref name="source"/> names it in error messages.</summary>
    public static PreprocessingProperties ReadJson(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException error)
        {
            throw new SegEngineException(SegErrorCode.InvalidInput, $"{source}: not valid JSON: {error.Message}", error);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(source, "the top level", "an object");
            }

            Shape3 before = ReadShape(root, "shape_before_cropping", source);
            Shape3 after = ReadShape(root, "shape_after_cropping_and_before_resampling", source);
            BoundingBox box = ReadBox(root, source);
            if (!box.FitsIn(before) || box.Shape != after)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidInput,
                    $"{source}: bbox_used_for_cropping {box} must lie in shape_before_cropping {before} and span shape_after_cropping_and_before_resampling {after}");
            }

            double[] spacing = ReadNumbers(Required(root, "spacing", source), "spacing", source, 3);
            double[]? target = root.TryGetProperty("target_spacing", out JsonElement t) ? ReadNumbers(t, "target_spacing", source, 3) : null;
            double[]? affine = null, reoriented = null;
            if (root.TryGetProperty("nibabel_stuff", out JsonElement nibabel) && nibabel.ValueKind == JsonValueKind.Object)
            {
                affine = nibabel.TryGetProperty("original_affine", out JsonElement rows) ? ReadAffine(rows, "nibabel_stuff.original_affine", source) : null;
                reoriented = nibabel.TryGetProperty("reoriented_affine", out JsonElement turned) ? ReadAffine(turned, "nibabel_stuff.reoriented_affine", source) : null;
            }

            SitkStuff? sitk = root.TryGetProperty("sitk_stuff", out JsonElement stuff) ? ReadSitkStuff(stuff, source) : null;
            return new PreprocessingProperties(before, box, after, spacing, target, affine, sitk) { ReorientedAffine = reoriented };
        }
    }

    public static PreprocessingProperties ReadJsonFile(string path) => ReadJson(File.ReadAllText(path), path);

    /// <summary>Writes the properties as nnU-Net's JSON dump would name them.</summary>
    public string WriteJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            if (OriginalAffine is not null)
            {
                writer.WriteStartObject("nibabel_stuff");
                WriteAffine(writer, "original_affine", OriginalAffine);
                if (ReorientedAffine is not null)
                {
                    WriteAffine(writer, "reoriented_affine", ReorientedAffine);
                }

                writer.WriteEndObject();
            }

            if (SitkStuff is not null)
            {
                writer.WriteStartObject("sitk_stuff");
                WriteExactNumbers(writer, "spacing", SitkStuff.Spacing);
                WriteExactNumbers(writer, "origin", SitkStuff.Origin);
                WriteExactNumbers(writer, "direction", SitkStuff.Direction);
                writer.WriteEndObject();
            }

            WriteNumbers(writer, "spacing", Spacing);
            WriteNumbers(writer, "shape_before_cropping", ShapeBeforeCropping.ToArray().Select(v => (double)v).ToArray());
            writer.WriteStartArray("bbox_used_for_cropping");
            for (int axis = 0; axis < 3; axis++)
            {
                writer.WriteStartArray();
                writer.WriteNumberValue(BboxUsedForCropping.Start(axis));
                writer.WriteNumberValue(BboxUsedForCropping.End(axis));
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            WriteNumbers(writer, "shape_after_cropping_and_before_resampling", ShapeAfterCroppingAndBeforeResampling.ToArray().Select(v => (double)v).ToArray());
            if (TargetSpacing is not null)
            {
                WriteNumbers(writer, "target_spacing", TargetSpacing);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteAffine(Utf8JsonWriter writer, string name, IReadOnlyList<double> affine)
    {
        writer.WriteStartArray(name);
        for (int r = 0; r < 4; r++)
        {
            writer.WriteStartArray();
            for (int c = 0; c < 4; c++)
            {
                writer.WriteNumberValue(affine[(r * 4) + c]);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    private static void WriteNumbers(Utf8JsonWriter writer, string name, IReadOnlyList<double> values)
    {
        writer.WriteStartArray(name);
        foreach (double value in values)
        {
            if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
            {
                writer.WriteNumberValue((long)value);
            }
            else
            {
                writer.WriteNumberValue(value);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>Every value as a double, so that −0 (common in ITK directions) survives; the writer's header depends on its sign.</summary>
    private static void WriteExactNumbers(Utf8JsonWriter writer, string name, IReadOnlyList<double> values)
    {
        writer.WriteStartArray(name);
        foreach (double value in values)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static JsonElement Required(JsonElement root, string name, string source) => Required(root, name, name, source);

    private static Shape3 ReadShape(JsonElement root, string name, string source)
    {
        double[] values = ReadNumbers(Required(root, name, source), name, source, 3);
        int[] axes = new int[3];
        for (int i = 0; i < 3; i++)
        {
            axes[i] = ToPositiveInt(values[i], name, source);
        }

        return Shape3.FromArray(axes);
    }

    private static BoundingBox ReadBox(JsonElement root, string source)
    {
        const string name = "bbox_used_for_cropping";
        JsonElement rows = Required(root, name, source);
        if (rows.ValueKind != JsonValueKind.Array || rows.GetArrayLength() != 3)
        {
            throw Invalid(source, name, "3 [start, end] pairs");
        }

        int[] bounds = new int[6];
        int i = 0;
        foreach (JsonElement pair in rows.EnumerateArray())
        {
            double[] values = ReadNumbers(pair, name, source, 2);
            bounds[i++] = ToNonNegativeInt(values[0], name, source);
            bounds[i++] = ToNonNegativeInt(values[1], name, source);
        }

        return new BoundingBox(bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5]);
    }

    private static double[] ReadAffine(JsonElement rows, string name, string source)
    {
        if (rows.ValueKind != JsonValueKind.Array || rows.GetArrayLength() != 4)
        {
            throw Invalid(source, name, "a 4x4 matrix");
        }

        var affine = new double[16];
        int r = 0;
        foreach (JsonElement row in rows.EnumerateArray())
        {
            ReadNumbers(row, name, source, 4).CopyTo(affine, r * 4);
            r++;
        }

        return affine;
    }

    private static SitkStuff ReadSitkStuff(JsonElement stuff, string source)
    {
        if (stuff.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "sitk_stuff", "an object with spacing, origin and direction");
        }

        var sitk = new SitkStuff(
            ReadNumbers(Required(stuff, "sitk_stuff.spacing", "spacing", source), "sitk_stuff.spacing", source),
            ReadNumbers(Required(stuff, "sitk_stuff.origin", "origin", source), "sitk_stuff.origin", source),
            ReadNumbers(Required(stuff, "sitk_stuff.direction", "direction", source), "sitk_stuff.direction", source));
        return sitk.Problem() is string problem
            ? throw new SegEngineException(SegErrorCode.InvalidInput, $"{source}: sitk_stuff: {problem}")
            : sitk;
    }

    /// <summary>The member <paramref name="name"/> of <paramref name="parent"/>; <paramref name="fullName"/> is its dotted path for the message.</summary>
    private static JsonElement Required(JsonElement parent, string fullName, string name, string source) =>
        parent.TryGetProperty(name, out JsonElement value)
            ? value
            : throw new SegEngineException(SegErrorCode.InvalidInput, $"{source}: the key '{fullName}' is missing");

    private static double[] ReadNumbers(JsonElement array, string name, string source, int? count = null)
    {
        if (array.ValueKind != JsonValueKind.Array || (count is int expected && array.GetArrayLength() != expected))
        {
            throw Invalid(source, name, count is null ? "an array of numbers" : $"an array of {count} numbers");
        }

        var values = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out values[i]) || !double.IsFinite(values[i]))
            {
                throw Invalid(source, name, count is null ? "an array of finite numbers" : $"an array of {count} finite numbers");
            }

            i++;
        }

        return values;
    }

    private static int ToPositiveInt(double value, string name, string source) =>
        value >= 1 && value <= int.MaxValue && value == Math.Floor(value)
            ? (int)value
            : throw Invalid(source, name, $"positive integers (got {value})");

    private static int ToNonNegativeInt(double value, string name, string source) =>
        value >= 0 && value <= int.MaxValue && value == Math.Floor(value)
            ? (int)value
            : throw Invalid(source, name, $"non-negative integers (got {value})");

    private static SegEngineException Invalid(string source, string name, string expected) =>
        new(SegErrorCode.InvalidInput, $"{source}: '{name}' must be {expected}");
}
