using SharpCompress.Compressors.Xz;

namespace SegEngine.Tests;

/// <summary>
/// The large fixtures are committed as <c>FILE.xz</c> (tests/fixtures/compress_fixture.sh) to keep the repository
/// small; this expands each beside itself as <c>FILE</c>, which the tests then read like any other fixture. An
/// expansion older than its <c>.xz</c> is redone, and each is written to a unique temporary name and renamed into
/// place, so concurrent test processes never see half a file.
/// </summary>
internal static class CompressedFixtures
{
    private const string Extension = ".xz";

    public static void ExpandAll(string root)
    {
        string[] compressed = Directory.GetFiles(root, "*" + Extension, SearchOption.AllDirectories);
        Parallel.ForEach(compressed, source =>
        {
            string target = source[..^Extension.Length];
            if (!File.Exists(target) || File.GetLastWriteTimeUtc(target) < File.GetLastWriteTimeUtc(source))
            {
                Expand(source, target);
            }
        });
    }

    private static void Expand(string source, string target)
    {
        string temporary = $"{target}.{Guid.NewGuid():N}.partial";
        try
        {
            using (var input = new XZStream(File.OpenRead(source)))
            using (FileStream output = File.Create(temporary))
            {
                input.CopyTo(output);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
