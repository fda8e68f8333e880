using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using SegEngine.Conversion;
using SegEngine.Model;
using SegEngine.Model.Checkpoints;
using SegEngine.Pipeline;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Conversion;

/// <summary>
/// Broken checkpoints fail conversion with a <see cref="SegEngineException"/> that names the file and the key: never a
/// crash, a hang or an allocation sized by a forged number.
/// </summary>
public class CheckpointFuzzTests
{
    private const int Seed = 20261124;

    [Fact]
    public void TruncatedZipsAreInvalidModelErrors()
    {
        (ModelFolder folder, string checkpoint, byte[] original) = LoadSample();
        var random = new Random(Seed);
        int[] lengths = [0, 1, 100, original.Length / 2, original.Length - 1, original.Length - 22, .. Enumerable.Range(0, 10).Select(_ => random.Next(original.Length))];
        foreach (int length in lengths)
        {
            File.WriteAllBytes(checkpoint, original[..length]);

            var error = Assert.Throws<SegEngineException>(() => Convert(folder));
            Assert.True(error.Code == SegErrorCode.InvalidModel, $"seed {Seed}, length {length}: {error.Code}");
            Assert.Contains(checkpoint, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FlippedPickleBytesFailCleanlyOrStillConvert()
    {
        (ModelFolder folder, string checkpoint, byte[] original) = LoadSample();
        byte[] pickle = ReadEntry(original, "checkpoint_final/data.pkl");
        var random = new Random(Seed);
        int rejected = 0;
        var clock = Stopwatch.StartNew();
        for (int attempt = 0; attempt < 40; attempt++)
        {
            byte[] corrupted = (byte[])pickle.Clone();
            int at = random.Next(corrupted.Length);
            corrupted[at] ^= (byte)(1 + random.Next(255));
            File.WriteAllBytes(checkpoint, ReplaceEntry(original, "checkpoint_final/data.pkl", corrupted));
            try
            {
                Convert(folder);
            }
            catch (SegEngineException e)
            {
                Assert.Contains(checkpoint, e.Message, StringComparison.Ordinal);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {Seed}, byte {at}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(rejected >= 10, $"seed {Seed}: only {rejected} of 40 corruptions were rejected");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"40 conversions took {clock.Elapsed}");
    }

    [Fact]
    public void AnUnknownGlobalIsAnErrorNamingTheKey()
    {
        (ModelFolder folder, string checkpoint, byte[] original) = LoadSample();
        string pickle = Encoding.Latin1.GetString(ReadEntry(original, "checkpoint_final/data.pkl"));
        Assert.Contains("torch._utils\n_rebuild_tensor_v2\n", pickle, StringComparison.Ordinal);
        byte[] edited = Encoding.Latin1.GetBytes(pickle.Replace("torch._utils\n_rebuild_tensor_v2\n", "posix\nsystem\n", StringComparison.Ordinal));
        File.WriteAllBytes(checkpoint, ReplaceEntry(original, "checkpoint_final/data.pkl", edited));

        var error = Assert.Throws<SegEngineException>(() => Convert(folder));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.StartsWith($"{checkpoint}:checkpoint_final/data.pkl: global 'posix.system' at ['network_weights']['encoder.stem.convs.0.conv.weight'] ", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong shape", "network_weights.decoder.seg_layers.3.weight: shape [4, 8, 1, 1]")]
    [InlineData("missing key", "network_weights.decoder.seg_layers.3.bias: missing")]
    [InlineData("unexpected key", "network_weights.decoder.extra.weight: unexpected key")]
    [InlineData("missing record", "its storage record checkpoint_final/data/0 is missing")]
    [InlineData("forged numel", "but the pickle declares 2147483647 FloatStorage elements")]
    public void CheckpointsThatDisagreeWithThePlansNameTheKey(string defect, string expected)
    {
        (ModelFolder folder, string checkpoint, _) = LoadSample();
        UNetNetwork network = UNetNetwork.Build(folder.Configuration.Architecture, 1, 3, folder.Configuration.PatchSize);
        var weights = new SyntheticWeights(Seed);
        var tensors = network.StateDictKeys
            .Select((entry, index) =>
            {
                NetworkParameter parameter = network.Parameters.Single(p => p.Name == entry.Value);
                int[] shape = defect == "wrong shape" && entry.Key == "decoder.seg_layers.3.weight" ? [4, 8, 1, 1] : parameter.Shape;
                return new TorchTensorToSave(entry.Key, shape, network.Parameters.ToList().IndexOf(parameter).ToString(System.Globalization.CultureInfo.InvariantCulture), d => weights.Fill(parameter, d));
            })
            .Where(t => !(defect == "missing key" && t.Name == "decoder.seg_layers.3.bias"))
            .ToList();
        if (defect == "unexpected key")
        {
            tensors.Add(new TorchTensorToSave("decoder.extra.weight", [3], "extra", d => d.Clear()));
        }

        TorchCheckpointWriter.Write(checkpoint, tensors, "2d", "0", "nnUNetTrainer", [0, 1]);
        byte[] written = File.ReadAllBytes(checkpoint);
        if (defect == "missing record")
        {
            written = ReplaceEntry(written, "checkpoint_final/data/0", null);
        }
        else if (defect == "forged numel")
        {
            // The first storage (72 floats) declared as 2^31 − 1: the reader must compare, not allocate.
            byte[] pickle = ReadEntry(written, "checkpoint_final/data.pkl");
            byte[] from = [.. "X\u0003\0\0\0cpuK"u8, 72];
            byte[] to = [.. "X\u0003\0\0\0cpuJ"u8, 0xff, 0xff, 0xff, 0x7f];
            int at = pickle.AsSpan().IndexOf(from);
            Assert.True(at > 0);
            written = ReplaceEntry(written, "checkpoint_final/data.pkl", [.. pickle[..at], .. to, .. pickle[(at + from.Length)..]]);
        }

        File.WriteAllBytes(checkpoint, written);
        long before = GC.GetTotalAllocatedBytes(precise: true);

        var error = Assert.Throws<SegEngineException>(() => Convert(folder));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.Contains(checkpoint, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 64L << 20, "a defect must not cause a large allocation");
    }

    [Fact]
    public void ACheckpointWrittenBackConvertsToTheSameNetwork()
    {
        (ModelFolder folder, string checkpoint, _) = LoadSample();
        UNetNetwork network = UNetNetwork.Build(folder.Configuration.Architecture, 1, 3, folder.Configuration.PatchSize);
        var weights = new SyntheticWeights(Seed);
        TorchCheckpointWriter.Write(
            checkpoint,
            network.StateDictKeys.Select(entry =>
            {
                NetworkParameter parameter = network.Parameters.Single(p => p.Name == entry.Value);
                return new TorchTensorToSave(entry.Key, parameter.Shape, parameter.Name, d => weights.Fill(parameter, d));
            }).ToList(),
            "2d",
            "0",
            "nnUNetTrainer",
            [0, 1]);

        string converted = Convert(folder);

        string direct = Path.Combine(TestPaths.NewTempFolder(), "direct.onnx");
        OnnxExport.Write(network, direct, weights.Fill);
        long[] shape = [1, 1, 96, 96];
        float[] input = OnnxRunner.RandomInput(96 * 96, Seed);
        Assert.Equal(OnnxRunner.Run(direct, input, shape), OnnxRunner.Run(converted, input, shape));
    }

    private static string Convert(ModelFolder folder)
    {
        string target = Path.Combine(TestPaths.NewTempFolder(), "model.onnx");
        ModelConversion.ConvertFold(folder, folder.Folds[0], target);
        return target;
    }

    private static (ModelFolder Folder, string Checkpoint, byte[] Original) LoadSample()
    {
        ModelFolder folder = ModelFolder.Load(ModelFixtures.CopySample("2d"));
        string checkpoint = folder.Folds[0].CheckpointPath!;
        return (folder, checkpoint, File.ReadAllBytes(checkpoint));
    }

    private static byte[] ReadEntry(byte[] zipBytes, string name)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        using Stream stream = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The zip with one entry's bytes replaced (or the entry dropped when null), every other entry kept.</summary>
    private static byte[] ReplaceEntry(byte[] zipBytes, string name, byte[]? content)
    {
        using var source = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                if (entry.FullName == name && content is null)
                {
                    continue;
                }

                using Stream destination = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                if (entry.FullName == name)
                {
                    destination.Write(content);
                }
                else
                {
                    using Stream stream = entry.Open();
                    stream.CopyTo(destination);
                }
            }
        }

        return output.ToArray();
    }
}
