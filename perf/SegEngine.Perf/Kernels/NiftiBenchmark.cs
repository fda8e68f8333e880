using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using SegEngine.Io;
using SegEngine.Perf.Common;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// NIfTI gzip I/O as a case goes through it: reading an int16 CT <c>.nii.gz</c> into float32 (<see cref="NibabelIO.Read"/>)
/// and writing the uint8 segmentation <c>.nii.gz</c> (<see cref="NibabelIO.WriteSegmentation(string, ReadOnlySpan{byte}, ImageGeometry)"/>).
/// Files live in a fresh temporary folder, which the page cache keeps in memory: this measures (de)compression and conversion.
/// </summary>
public class NiftiBenchmark
{
    private readonly NibabelIO io = new();
    private string folder = string.Empty;
    private string imagePath = string.Empty;
    private string segmentationPath = string.Empty;
    private byte[] labels = [];
    private ImageGeometry? geometry;

    [GlobalSetup]
    public void Setup()
    {
        Shape3 shape = KernelSizes.Current.NiftiVolume;
        folder = Directory.CreateTempSubdirectory("segengine-kernels-").FullName;
        imagePath = Path.Combine(folder, "ct_0000.nii.gz");
        segmentationPath = Path.Combine(folder, "ct.nii.gz");

        var voxels = new short[shape.Voxels];
        labels = new byte[shape.Voxels];
        Parallel.For(0, shape.Z, z =>
        {
            for (int y = 0; y < shape.Y; y++)
            {
                for (int x = 0; x < shape.X; x++)
                {
                    long i = (((long)z * shape.Y) + y) * shape.X + x;
                    voxels[i] = SyntheticCt.Value(shape, z, y, x);
                    // Air, soft tissue and bone, so the label map compresses as real ones do.
                    labels[i] = voxels[i] > 300 ? (byte)2 : voxels[i] > -500 ? (byte)1 : (byte)0;
                }
            }
        });
        NiftiFile.WriteAtomically(imagePath, Int16Header(shape), MemoryMarshal.AsBytes(voxels.AsSpan()));
        using (ImageVolume image = io.Read([imagePath]))
        {
            geometry = image.Geometry;
        }

        io.WriteSegmentation(segmentationPath, labels, geometry);
        long imageFile = new FileInfo(imagePath).Length;
        long segmentationFile = new FileInfo(segmentationPath).Length;
        string size = $"{shape} ({imageFile / 1048576.0:F1} MiB gz)";
        TrafficTable.Register(typeof(NiftiBenchmark), nameof(ReadInt16Gzip), new KernelTraffic(
            imageFile + (4 * shape.Voxels), size, "compressed file read + fp32 volume written (4 per voxel)"));
        TrafficTable.Register(typeof(NiftiBenchmark), nameof(WriteLabelsGzip), new KernelTraffic(
            shape.Voxels + segmentationFile, $"{shape} ({segmentationFile / 1048576.0:F1} MiB gz)", "uint8 labels read (1 per voxel) + compressed file written"));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Directory.Delete(folder, recursive: true);
        labels = [];
    }

    [Benchmark]
    public float ReadInt16Gzip()
    {
        using ImageVolume image = io.Read([imagePath]);
        return image.Data.Span[^1];
    }

    [Benchmark]
    public int WriteLabelsGzip()
    {
        io.WriteSegmentation(segmentationPath, labels, geometry!);
        return labels.Length;
    }

    /// <summary>A NIfTI-1 header for int16 voxels of 0.7 × 0.7 × 1.0 mm; the builder only knows label types, so datatype and bitpix are set here.</summary>
    private static byte[] Int16Header(Shape3 shape)
    {
        byte[] header = new Nifti1HeaderBuilder()
            .Dims([3, (short)shape.X, (short)shape.Y, (short)shape.Z, 1, 1, 1, 1])
            .PixDim([1, 0.7f, 0.7f, 1.0f, 1, 1, 1, 1])
            .Scaling(1, 0)
            .Bytes.ToArray();
        const int DatatypeOffset = 70;
        const int BitpixOffset = 72;
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(DatatypeOffset), (short)NiftiDataType.Int16);
        BinaryPrimitives.WriteInt16LittleEndian(header.AsSpan(BitpixOffset), 16);
        return header;
    }
}
