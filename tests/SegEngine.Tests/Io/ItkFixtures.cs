using System.IO.Compression;
using System.Text.Json;

namespace SegEngine.Tests.Io;

/// <summary>The MetaImage/NRRD/GIPL fixtures made with ITK 5.2 by <c>tests/fixtures/itk/make_itk_fixtures.sh</c>.</summary>
internal static class ItkFixtures
{
    public static string Root => Path.Combine(TestPaths.Fixtures, "itk");

    /// <summary>What ITK reads from each file in <c>inputs/</c> (or its error).</summary>
    public static JsonElement Itk { get; } = Load("itk.json");

    /// <summary>What ITK reads back from SegEngine's segmentations in <c>ours/</c>.</summary>
    public static JsonElement Ours { get; } = Load("ours.json");

    /// <summary>What ITK reads back from its own segmentations in <c>written/</c>.</summary>
    public static JsonElement Written { get; } = Load("written.json");

    /// <summary>ITK 5.2 prints "Uncompress failed" and returns garbage for a compressed MetaImage without CompressedDataSize; we refuse it.</summary>
    public static readonly string[] RefusedThoughItkReturnsData = ["mha_zlib_no_size.mha"];

    public static IEnumerable<object[]> InputNames() => Itk.EnumerateObject().Select(p => new object[] { p.Name });

    public static IEnumerable<object[]> WrittenNames() =>
        Directory.EnumerateFiles(Path.Combine(Root, "written"))
            .Select(Path.GetFileName)
            .Where(n => !RefusedThoughItkReturnsData.Contains(InputOf(n!)))
            .Order()
            .Select(n => new object[] { n! });

    public static string Input(string name) => Path.Combine(Root, "inputs", name);

    /// <summary>The input a written segmentation was made from (a .mhd/.nhdr input's segmentation is a .mha/.nrrd).</summary>
    public static string InputOf(string writtenName)
    {
        string stem = Path.GetFileNameWithoutExtension(writtenName);
        return Itk.EnumerateObject().Select(p => p.Name).Single(n => Path.GetFileNameWithoutExtension(n) == stem);
    }

    public static double[] Doubles(JsonElement e, string key) => e.GetProperty(key).EnumerateArray().Select(v => v.GetDouble()).ToArray();

    /// <summary>A text-header file split into its header (through the line that ends it) and its decompressed payload.</summary>
    public static (string Header, byte[] Payload) Split(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bool nrrd = path.EndsWith(".nrrd", StringComparison.Ordinal);
        string marker = nrrd ? "\n\n" : "ElementDataFile = LOCAL\n";
        int end = System.Text.Encoding.ASCII.GetString(bytes).IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        using var compressed = new MemoryStream(bytes, end, bytes.Length - end);
        using Stream inflate = nrrd ? new GZipStream(compressed, CompressionMode.Decompress) : new ZLibStream(compressed, CompressionMode.Decompress);
        using var payload = new MemoryStream();
        inflate.CopyTo(payload);
        return (System.Text.Encoding.ASCII.GetString(bytes, 0, end), payload.ToArray());
    }

    private static JsonElement Load(string name)
    {
        string path = Path.Combine(Root, name);
        return File.Exists(path) ? JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone() : JsonDocument.Parse("{}").RootElement.Clone();
    }
}
