using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

/// <summary>Paths and helpers for tests/fixtures/io (made by make_fixtures.py with Debian nibabel and itk/make_itk_fixtures.sh with Debian ITK 5.2).</summary>
internal static class NiftiFixtures
{
    public static string Root => Path.Combine(TestPaths.Fixtures, "io");

    public static JsonElement Nibabel { get; } = Load("nibabel.json");

    public static JsonElement Itk { get; } = Load(Path.Combine("itk", "itk.json"));

    public static JsonElement NibabelSample { get; } = Load("nibabel_sample.json");

    public static string Input(string name) => Path.Combine(Root, Nibabel.GetProperty(name).GetProperty("file").GetString()!);

    public static IEnumerable<object[]> NibabelNames() => Nibabel.EnumerateObject().Select(p => new object[] { p.Name });

    public static IEnumerable<object[]> ItkNames() => Itk.EnumerateObject().Select(p => new object[] { p.Name });

    public static byte[] Labels(Shape3 shape)
    {
        var labels = new byte[shape.Voxels];
        int i = 0;
        for (int z = 0; z < shape.Z; z++)
        {
            for (int y = 0; y < shape.Y; y++)
            {
                for (int x = 0; x < shape.X; x++)
                {
                    labels[i++] = (byte)(((z * 7) + (y * 3) + x) % 5);
                }
            }
        }

        return labels;
    }

    /// <summary>The whole decompressed content of a .nii.gz.</summary>
    public static byte[] Decompress(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }

    public static float Single(byte[] header, int offset) => BinaryPrimitives.ReadSingleLittleEndian(header.AsSpan(offset));

    private static JsonElement Load(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, name)));
        return document.RootElement.Clone();
    }
}
