using System.Security.Cryptography;
using System.Text.Json;
using SegEngine.Io;

namespace SegEngine.Tests.Io;

public sealed class NibabelIOTests
{
    /// <summary>
    /// Header bytes 256..328 (quatern, qoffset, srow): nibabel derives the quaternion by SVD and an eigen-solver (ours: polar
    /// iteration and the trace formula) and evaluates a qform in long double (ours: double). Both exact methods; float32 results
    /// agree to this bound (the sample cases, axis-aligned, agree byte for byte: see WritingNnunetsSegmentationBackReproducesItsFile).
    /// </summary>
    private const int QuaternStart = 256;
    private const int QuaternEnd = 328;

    private const float QuaternTolerance = 1e-6f;

    private readonly IImageReaderWriter io = ImageReaderWriters.Create("NibabelIO");

    [Theory]
    [InlineData("case_000")]
    [InlineData("case_001")]
    [InlineData("case_003")]
    public void SampleCaseMatchesNibabelBitForBit(string caseId)
    {
        JsonElement expected = NiftiFixtures.NibabelSample.GetProperty(caseId);
        using ImageVolume volume = io.Read([TestPaths.SampleCase(caseId)]);

        Assert.Equal(1, volume.Data.Channels);
        Assert.Equal(expected.GetProperty("shape_zyx").EnumerateArray().Select(e => e.GetInt32()).ToArray(), volume.Data.Shape.ToArray());
        Assert.Equal(expected.GetProperty("spacing_zyx").EnumerateArray().Select(e => e.GetDouble()).ToArray(), volume.Spacing);
        byte[] bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(volume.Data.Span).ToArray();
        Assert.Equal(expected.GetProperty("sha256_float32_le").GetString(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Theory]
    [InlineData("case_000")]
    [InlineData("case_001")]
    [InlineData("case_003")]
    public void WritingNnunetsSegmentationBackReproducesItsFile(string caseId)
    {
        string reference = TestPaths.SampleReference("3d_fullres_tta", caseId);
        using ImageVolume input = io.Read([TestPaths.SampleCase(caseId)]);
        using ImageVolume labels = io.Read([reference]);
        byte[] seg = labels.Data.Span.ToArray().Select(v => (byte)v).ToArray();
        string output = Path.Combine(TestPaths.NewTempFolder(), caseId + ".nii.gz");

        io.WriteSegmentation(output, seg, input.Geometry);

        Assert.Equal(NiftiFixtures.Decompress(reference), NiftiFixtures.Decompress(output));
    }

    [Theory]
    [MemberData(nameof(NiftiFixtures.NibabelNames), MemberType = typeof(NiftiFixtures))]
    public void FixtureReadsAsNibabelDoes(string name)
    {
        JsonElement expected = NiftiFixtures.Nibabel.GetProperty(name);
        string path = NiftiFixtures.Input(name);
        if (expected.TryGetProperty("error", out _))
        {
            Assert.Throws<NiftiFormatException>(() => io.Read([path]));
            return;
        }

        using ImageVolume volume = io.Read([path]);
        NpyArray reference = Npy.Read(Path.Combine(NiftiFixtures.Root, "nibabel", name + ".npy"));
        Assert.Equal(reference.Shape, volume.Data.Shape.ToArray().Select(v => (long)v).ToArray());
        Assert.Equal(expected.GetProperty("spacing_zyx").EnumerateArray().Select(e => e.GetDouble()).ToArray(), volume.Spacing);
        float[] want = reference.As<float>().ToArray();
        float[] got = volume.Data.Span.ToArray();
        for (int i = 0; i < want.Length; i++)
        {
            Assert.True(
                BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]),
                $"{name} voxel {i}: nibabel {want[i]:R}, ours {got[i]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(NiftiFixtures.NibabelNames), MemberType = typeof(NiftiFixtures))]
    public void LabelWrittenBackHasNibabelsHeaderAndData(string name)
    {
        string referenceLabel = Path.Combine(NiftiFixtures.Root, "nibabel", name + ".label.nii.gz");
        if (!File.Exists(referenceLabel))
        {
            return;
        }

        using ImageVolume volume = io.Read([NiftiFixtures.Input(name)]);
        Shape3 shape = volume.Geometry.OriginalShape;
        byte[] labels = shape == new Shape3(3, 4, 5) ? NiftiFixtures.Labels(shape) : new byte[shape.Voxels];
        string output = Path.Combine(TestPaths.NewTempFolder(), name + ".nii.gz");

        io.WriteSegmentation(output, labels, volume.Geometry);

        AssertSameExceptQuaternion(NiftiFixtures.Decompress(referenceLabel), NiftiFixtures.Decompress(output));
    }

    [Fact]
    public void WideLabelsAreWrittenAsUInt16LikeNibabel()
    {
        using ImageVolume volume = io.Read([NiftiFixtures.Input("geom_lps_case")]);
        ushort[] labels = NiftiFixtures.Labels(volume.Geometry.OriginalShape).Select(b => (ushort)b).ToArray();
        labels[0] = 300;
        string output = Path.Combine(TestPaths.NewTempFolder(), "wide.nii.gz");

        io.WriteSegmentation(output, labels, volume.Geometry);

        AssertSameExceptQuaternion(
            NiftiFixtures.Decompress(Path.Combine(NiftiFixtures.Root, "nibabel", "geom_lps_case.label16.nii.gz")),
            NiftiFixtures.Decompress(output));
    }

    [Fact]
    public void NarrowUShortLabelsAreWrittenAsUInt8()
    {
        using ImageVolume volume = io.Read([NiftiFixtures.Input("geom_lps_case")]);
        byte[] labels = NiftiFixtures.Labels(volume.Geometry.OriginalShape);
        string output = Path.Combine(TestPaths.NewTempFolder(), "narrow.nii.gz");

        io.WriteSegmentation(output, labels.Select(b => (ushort)b).ToArray(), volume.Geometry);

        Assert.Equal(
            NiftiFixtures.Decompress(Path.Combine(NiftiFixtures.Root, "nibabel", "geom_lps_case.label.nii.gz")),
            NiftiFixtures.Decompress(output));
    }

    [Fact]
    public void ChannelsAreStackedInFileOrder()
    {
        string a = NiftiFixtures.Input("dtype_int16"), b = NiftiFixtures.Input("dtype_float32");
        using ImageVolume volume = io.Read([a, b]);
        using ImageVolume first = io.Read([a]);
        using ImageVolume second = io.Read([b]);

        Assert.Equal(2, volume.Data.Channels);
        Assert.Equal(first.Data.Span.ToArray(), volume.Data.Channel(0).ToArray());
        Assert.Equal(second.Data.Span.ToArray(), volume.Data.Channel(1).ToArray());
        Assert.Equal([a, b], volume.SourcePaths);
    }

    [Fact]
    public void ChannelsOfDifferentSpacingAreRefusedNamingBothFiles()
    {
        string a = NiftiFixtures.Input("dtype_int16"), b = NiftiFixtures.Input("geom_both_agree");
        var error = Assert.Throws<SegEngineException>(() => io.Read([a, b]));
        Assert.Equal(SegErrorCode.InvalidInput, error.Code);
        Assert.Contains(a, error.Message);
        Assert.Contains(b, error.Message);
    }

    private static void AssertSameExceptQuaternion(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int offset = QuaternStart; offset < QuaternEnd; offset += 4)
        {
            float want = NiftiFixtures.Single(expected, offset), got = NiftiFixtures.Single(actual, offset);
            Assert.True(Math.Abs(want - got) <= QuaternTolerance * Math.Max(1, Math.Abs(want)), $"header offset {offset}: nibabel {want:R}, ours {got:R}");
        }

        for (int offset = 0; offset < expected.Length; offset++)
        {
            if (offset is < QuaternStart or >= QuaternEnd)
            {
                Assert.True(expected[offset] == actual[offset], $"byte {offset} differs: nibabel {expected[offset]}, ours {actual[offset]}");
            }
        }
    }
}
