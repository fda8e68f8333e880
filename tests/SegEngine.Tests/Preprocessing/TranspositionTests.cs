using SegEngine.Preprocessing;

namespace SegEngine.Tests.Preprocessing;

public class TranspositionTests
{
    [Fact]
    public void IdentityIsFree()
    {
        using VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(2, new Shape3(2, 3, 4));
        Assert.Same(data, Transposition.TransposeForward(data, [0, 1, 2]));
    }

    [Theory]
    [InlineData(2, 1, 0)]
    [InlineData(1, 2, 0)]
    [InlineData(2, 0, 1)]
    [InlineData(0, 2, 1)]
    [InlineData(1, 0, 2)]
    public void MatchesNumPyTransposeAndBackwardRestores(int a, int b, int c)
    {
        int[] forward = [a, b, c];
        int[] backward = new int[3];
        for (int i = 0; i < 3; i++)
        {
            backward[forward[i]] = i;
        }

        var shape = new Shape3(3, 4, 5);
        using VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(2, shape);
        for (int i = 0; i < data.Length; i++)
        {
            data.Span[i] = i;
        }

        using VolumeBuffer<float> moved = Transposition.TransposeForward(data, forward);

        Assert.Equal(Transposition.TransposeShape(shape, forward), moved.Shape);
        int[] dims = shape.ToArray();
        for (int ch = 0; ch < 2; ch++)
        {
            for (int i0 = 0; i0 < moved.Shape.Z; i0++)
            {
                for (int i1 = 0; i1 < moved.Shape.Y; i1++)
                {
                    for (int i2 = 0; i2 < moved.Shape.X; i2++)
                    {
                        int[] index = new int[3];
                        index[forward[0]] = i0;
                        index[forward[1]] = i1;
                        index[forward[2]] = i2;
                        float expected = (((ch * dims[0]) + index[0]) * dims[1] + index[1]) * dims[2] + index[2];
                        Assert.Equal(expected, moved.Channel(ch)[((i0 * moved.Shape.Y) + i1) * moved.Shape.X + i2]);
                    }
                }
            }
        }

        using VolumeBuffer<byte> labels = VolumeBuffer<byte>.Allocate(1, moved.Shape);
        for (int i = 0; i < labels.Length; i++)
        {
            labels.Span[i] = (byte)(moved.Span[i] % 251);
        }

        using VolumeBuffer<byte> back = Transposition.TransposeBackward(labels, backward);
        Assert.Equal(shape, back.Shape);
        for (int i = 0; i < back.Length; i++)
        {
            Assert.Equal((byte)(i % 251), back.Span[i]);
        }

        Assert.Equal(new[] { 10.0 + a, 10.0 + b, 10.0 + c }, Transposition.TransposeSpacing([10.0, 11.0, 12.0], forward));
    }

    [Fact]
    public void RejectsAnInvalidPermutationNamingTheField()
    {
        using VolumeBuffer<float> data = VolumeBuffer<float>.Allocate(1, new Shape3(1, 1, 1));
        var error = Assert.Throws<SegEngineException>(() => Transposition.TransposeForward(data, [0, 0, 2]));
        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains("transpose_forward", error.Message);
        Assert.Throws<SegEngineException>(() => Transposition.TransposeBackward(data, [0, 1]));
    }
}
