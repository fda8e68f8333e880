using System.Text.Json;
using SegEngine.Io;
using SegEngine.Preprocessing;
using SegEngine.Tests.Reference;

namespace SegEngine.Tests.Preprocessing;

public class NonzeroCroppingTests
{
    private static readonly string Fixtures = Path.Combine(TestPaths.Fixtures, "preprocessing", "cropping");

    public static IEnumerable<object[]> CaseNames() => new[] { "holes", "border", "diagonal", "empty", "flat", "cascade" }.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void MatchesScipyFillHolesBoundingBoxAndCrop(string name)
    {
        using JsonDocument cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "cases.json")));
        JsonElement entry = cases.RootElement.GetProperty("cases").GetProperty(name);
        NpyArray input = Npy.Read(Path.Combine(Fixtures, $"{name}_data.npy"));
        VolumeBuffer<float> data = ToVolume(input);
        float[] original = data.Span.ToArray();
        Shape3 shape = data.Shape;

        using CroppedCase crop = NonzeroCropping.CropToNonzero(data);

        int[][] bbox = entry.GetProperty("bbox").EnumerateArray().Select(a => a.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        Assert.Equal(new BoundingBox(bbox[0][0], bbox[0][1], bbox[1][0], bbox[1][1], bbox[2][0], bbox[2][1]), crop.BoundingBox);
        Assert.Equal(shape, crop.ShapeBeforeCropping);
        Assert.Equal(Npy.Read(Path.Combine(Fixtures, $"{name}_mask.npy")).As<byte>().ToArray(), crop.Mask.Span.ToArray());
        if (name != "cascade")
        {
            using VolumeBuffer<sbyte> seg = crop.CreateSeg();
            Assert.Equal(Npy.Read(Path.Combine(Fixtures, $"{name}_seg.npy")).As<sbyte>().ToArray(), seg.Span.ToArray());
        }

        Shape3 cropped = crop.Data.Shape;
        for (int c = 0; c < crop.Data.Channels; c++)
        {
            for (int z = 0; z < cropped.Z; z++)
            {
                for (int y = 0; y < cropped.Y; y++)
                {
                    for (int x = 0; x < cropped.X; x++)
                    {
                        long source = (((((long)c * shape.Z) + crop.BoundingBox.Z0 + z) * shape.Y + crop.BoundingBox.Y0 + y) * shape.X) + crop.BoundingBox.X0 + x;
                        Assert.Equal(original[source], crop.Data.Channel(c)[((z * cropped.Y) + y) * cropped.X + x]);
                    }
                }
            }
        }
    }

    [Fact]
    public void UncroppedVolumeIsReturnedWithoutCopy()
    {
        VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(1, new Shape3(3, 4, 5));
        data.Span.Fill(-1024f);

        using CroppedCase crop = NonzeroCropping.CropToNonzero(data);

        Assert.Same(data, crop.Data);
        Assert.Equal(BoundingBox.Full(data.Shape), crop.BoundingBox);
    }

    [Fact]
    public void CascadeSegIsCroppedWithImageBoxAndMarksOutsideZeros()
    {
        VolumeBuffer<float> data = ToVolume(Npy.Read(Path.Combine(Fixtures, "cascade_data.npy")));
        NpyArray previousArray = Npy.Read(Path.Combine(Fixtures, "cascade_prev.npy"));
        using VolumeBuffer<short> previous = VolumeBuffer<short>.Allocate(1, data.Shape);
        previousArray.As<short>().CopyTo(previous.Span);
        using CroppedCase crop = NonzeroCropping.CropToNonzero(data);

        using VolumeBuffer<short> seg = CascadeInput.CropPreviousStageSegmentation(previous, crop);

        Assert.Equal(Npy.Read(Path.Combine(Fixtures, "cascade_seg.npy")).As<short>().ToArray(), seg.Span.ToArray());
    }

    [Fact]
    public void OneHotMatchesNumPyAndFollowsImageChannels()
    {
        NpyArray labels = Npy.Read(Path.Combine(Fixtures, "onehot_labels.npy"));
        Shape3 shape = new((int)labels.Shape[0], (int)labels.Shape[1], (int)labels.Shape[2]);
        using VolumeBuffer<short> map = VolumeBuffer<short>.Allocate(1, shape);
        labels.As<short>().CopyTo(map.Span);
        using VolumeBuffer<float> image = VolumeBuffer<float>.Allocate(1, shape);
        image.Span.Fill(0.5f);

        using VolumeBuffer<float> stacked = CascadeInput.AppendOneHot(image, map, [1, 2, 3]);

        Assert.Equal(4, stacked.Channels);
        Assert.All(stacked.Channel(0).ToArray(), v => Assert.Equal(0.5f, v));
        Assert.Equal(Npy.Read(Path.Combine(Fixtures, "onehot_expected.npy")).As<float>().ToArray(), stacked.Span[stacked.ChannelLength..].ToArray());
    }

    [Fact]
    public void FloodFillMatchesNaiveDilationOnRandomMasks()
    {
        var random = new Random(2024);
        for (int trial = 0; trial < 60; trial++)
        {
            var shape = new Shape3(random.Next(1, 9), random.Next(1, 10), random.Next(1, 11));
            double density = 0.3 + (random.NextDouble() * 0.6);
            byte[] mask = new byte[shape.Voxels];
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = random.NextDouble() < density ? (byte)1 : (byte)0;
            }

            byte[] expected = NaiveHoleFilling.Fill(mask, shape.Z, shape.Y, shape.X);
            byte[] actual = (byte[])mask.Clone();
            HoleFilling.FillHoles(actual, shape);
            Assert.True(expected.SequenceEqual(actual), $"trial {trial}, shape {shape}, seed 2024");
        }
    }

    [Fact]
    public void FloodFillHandlesASpiralWithoutRecursion()
    {
        // A 1-voxel-wide corridor winding through a 1x300x300 slab inside a thick block: a long serpentine path.
        var shape = new Shape3(3, 301, 301);
        byte[] mask = new byte[shape.Voxels];
        Array.Fill(mask, (byte)1);
        int slice = shape.Y * shape.X;
        for (int y = 1; y < shape.Y - 1; y += 2)
        {
            for (int x = 1; x < shape.X - 1; x++)
            {
                mask[slice + (y * shape.X) + x] = 0;
            }

            int turn = (y / 2) % 2 == 0 ? shape.X - 2 : 1;
            if (y + 1 < shape.Y - 1)
            {
                mask[slice + ((y + 1) * shape.X) + turn] = 0;
            }
        }

        mask[slice + shape.X + 0] = 0;
        HoleFilling.FillHoles(mask, shape);

        Assert.Equal(0, mask[slice + shape.X + 1]);
        Assert.Equal(0, mask[slice + ((shape.Y - 2) * shape.X) + 150]);
    }

    private static VolumeBuffer<float> ToVolume(NpyArray array)
    {
        var volume = VolumeBuffer<float>.Allocate((int)array.Shape[0], new Shape3((int)array.Shape[1], (int)array.Shape[2], (int)array.Shape[3]));
        array.As<float>().CopyTo(volume.Span);
        return volume;
    }
}
