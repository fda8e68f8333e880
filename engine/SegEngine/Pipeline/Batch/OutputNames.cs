using System.Text;

namespace SegEngine.Pipeline.Batch;

/// <summary>A case's output file names must fit the file system's name limit (255 bytes on Linux and macOS), checked before any work.</summary>
internal static class OutputNames
{
    /// <summary>NAME_MAX of ext4, XFS, btrfs, APFS; NTFS counts 255 UTF-16 units, which never exceed 255 UTF-8 bytes' worth here.</summary>
    public const int MaxNameBytes = 255;

    /// <exception cref="SegEngineException">An output's name is longer than <see cref="MaxNameBytes"/> bytes.</exception>
    public static void Check(BatchCase item)
    {
        ArgumentNullException.ThrowIfNull(item);
        foreach (string? output in new[] { item.OutputFile, item.ProbabilitiesFile })
        {
            if (output is null)
            {
                continue;
            }

            int bytes = Encoding.UTF8.GetByteCount(Path.GetFileName(output));
            if (bytes > MaxNameBytes)
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidInput,
                    $"{CaseAdmission.Name(item)}: the case id is too long: its output name {Path.GetFileName(output)[..32]}... is {bytes} bytes; file names hold at most {MaxNameBytes}");
            }
        }
    }
}
