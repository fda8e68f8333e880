using System.IO.Compression;
using System.Numerics;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Tests.Model.Checkpoints;

public class PickleReaderTests
{
    private const string Source = "test.pkl";

    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "model", "pickles", name);

    private static byte[] SampleDataPickle(string configuration)
    {
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(TestPaths.SampleModel(configuration), "fold_0", "checkpoint_final.pth"));
        using Stream stream = zip.GetEntry("checkpoint_final/data.pkl")!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(5)]
    public void ReadsEveryValueKindOfPythonsPickler(int protocol)
    {
        // Values written by make_pickles.py (Debian Python 3.11.2); collections.Counter is no checkpoint global.
        byte[] data = File.ReadAllBytes(Fixture($"values_p{protocol}.pkl"));
        var root = Assert.IsType<PickleDict>(PickleReader.Read(data, Source, global => CheckpointGlobals.IsAllowed(global) || global.FullName == "collections.Counter"));

        Assert.Equal(
            new object[] { 0L, 255L, 256L, 65535L, 65536L, -1L, (long)int.MinValue, 1L << 31, long.MaxValue, BigInteger.Pow(2, 70), -BigInteger.Pow(2, 70) },
            Get<List<object?>>(root, "ints").ToArray());
        Assert.Equal(new object[] { 0.5, -1e300, double.PositiveInfinity }, Get<PickleTuple>(root, "floats").Items);
        Assert.Equal(new object?[] { null, true, false }, Get<PickleTuple>(root, "consts").Items);
        Assert.Equal("ünïcode ✓", Get<string>(root, "text"));

        object? bytes = root.TryGetValue("bytes", out object? value) ? value : null;
        if (protocol == 2)
        {
            // Protocol 2 has no bytes opcode: Python pickles _codecs.encode('\x00\x01\xff', 'latin1'), recorded, not run.
            var call = Assert.IsType<PickleCall>(bytes);
            Assert.Equal("_codecs.encode", call.CallableName);
            Assert.Equal(new object[] { "\u0000\u0001\u00ff", "latin1" }, call.Arguments.Items);
        }
        else
        {
            Assert.Equal(new byte[] { 0, 1, 255 }, Assert.IsType<byte[]>(bytes));
        }

        Assert.Equal([0, 1, 2, 3, 4], Get<List<object?>>(root, "tuples").Select(t => Assert.IsType<PickleTuple>(t).Count));
        Assert.Equal(new object[] { 1L, 2L, 3L, 4L }, Assert.IsType<PickleTuple>(Get<List<object?>>(root, "tuples")[4]).Items);

        PickleDict ordered = Get<PickleDict>(root, "ordered");
        Assert.Equal(new object[] { "x", "y" }, ordered.Entries.Select(e => e.Key!).ToArray());
        Assert.Equal(new object[] { 2L, 3L }, Assert.IsType<List<object?>>(ordered.Entries[1].Value).ToArray());

        PickleTuple shared = Get<PickleTuple>(root, "shared");
        Assert.Same(shared[0], shared[1]);
        Assert.Equal(new PickleGlobal("collections", "Counter"), Get<PickleGlobal>(root, "global"));
        var refused = Assert.Throws<SegEngineException>(() => PickleReader.Read(data, Source));
        Assert.Contains("global 'collections.Counter' at ['global'] (pickle byte ", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3d_fullres", 216)]
    [InlineData("2d", 72)]
    public void ReadsTheSampleCheckpointTreeWithoutTensorBytes(string configuration, long firstStorageElements)
    {
        var root = Assert.IsType<PickleDict>(PickleReader.Read(SampleDataPickle(configuration), Source));

        Assert.Equal(
            ["network_weights", "optimizer_state", "grad_scaler_state", "logging", "_best_ema", "current_epoch", "init_args", "trainer_name", "inference_allowed_mirroring_axes"],
            root.Entries.Select(e => (string)e.Key!));
        PickleDict weights = Get<PickleDict>(root, "network_weights");
        Assert.Equal(452, weights.Count);
        Assert.Equal("encoder.stem.convs.0.conv.weight", weights.Entries[0].Key);
        Assert.Equal("decoder.seg_layers.3.bias", weights.Entries[^1].Key);

        var tensor = Assert.IsType<PickleCall>(weights.Entries[0].Value);
        Assert.Equal("torch._utils._rebuild_tensor_v2", tensor.CallableName);
        Assert.Equal(new PickleStorage("FloatStorage", "0", "cpu", firstStorageElements), tensor.Arguments[0]);
        var last = Assert.IsType<PickleCall>(weights.Entries[^1].Value);
        Assert.Equal(3L, Assert.IsType<PickleStorage>(last.Arguments[0]).ElementCount);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 0xff, 0xff, 0xff, 0x7f }, "claims 2147483647 bytes")]
    [InlineData(new byte[] { 0x80, 0x02, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "claims 18446744073709551615 bytes")]
    [InlineData(new byte[] { 0x80, 0x02, 0x8b, 0x00, 0x00, 0x00, 0x80 }, "claims")]
    [InlineData(new byte[] { 0x80, 0x02, 0xff }, "unknown or unsupported opcode 0xff")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'I', (byte)'1', (byte)'\n', (byte)'.' }, "opcode 0x49")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'.' }, "stack underflow")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'s' }, "stack underflow")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'(', (byte)'.' }, "stack underflow")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'t' }, "no MARK")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'h', 0x05, (byte)'.' }, "memo miss")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N' }, "without a STOP")]
    [InlineData(new byte[] { 0x80, 0x09 }, "protocol 9")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'c', (byte)'o', (byte)'s' }, "no line end")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)')', (byte)'R' }, "None")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'N', (byte)'N', (byte)'R' }, "tuple of arguments")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'K', 0x01, (byte)'N', (byte)'b' }, "BUILD applied")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'K', 0x01, (byte)'Q' }, "persistent id")]
    [InlineData(new byte[] { 0x80, 0x02, (byte)'X', 0x01, 0x00, 0x00, 0x00, 0xff, (byte)'.' }, "UTF-8")]
    public void MalformedPicklesAreInvalidModelErrors(byte[] data, string expected)
    {
        var error = Assert.Throws<SegEngineException>(() => PickleReader.Read(data, Source));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(Source, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TruncatedAndCorruptedCheckpointPicklesFailCleanly()
    {
        const int Seed = 20261123;
        byte[] original = SampleDataPickle("2d");
        var random = new Random(Seed);
        int parsed = 0;
        int rejected = 0;

        void Attempt(byte[] data, string what)
        {
            try
            {
                PickleReader.Read(data, Source);
                parsed++;
            }
            catch (SegEngineException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, {what}: {e.GetType().Name}: {e.Message}");
            }
        }

        for (int i = 0; i < 150; i++)
        {
            int length = i < 50 ? i : random.Next(original.Length);
            Attempt(original[..length], $"truncated to {length}");
        }

        for (int i = 0; i < 250; i++)
        {
            byte[] corrupted = (byte[])original.Clone();
            int flips = 1 + random.Next(4);
            var where = new List<int>();
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(corrupted.Length);
                corrupted[at] = (byte)random.Next(256);
                where.Add(at);
            }

            Attempt(corrupted, $"bytes changed at {string.Join(",", where)}");
        }

        Assert.Equal(400, parsed + rejected);
        Assert.True(rejected >= 150, $"seed {Seed}: only {rejected} of 400 corrupted inputs were rejected");
    }

    private static T Get<T>(PickleDict dict, string key)
    {
        Assert.True(dict.TryGetValue(key, out object? value), $"no key {key}");
        return Assert.IsType<T>(value);
    }
}
