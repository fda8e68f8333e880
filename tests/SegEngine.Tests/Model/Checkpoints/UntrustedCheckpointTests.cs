using System.IO.Compression;
using System.Text;
using SegEngine.Model;
using SegEngine.Model.Checkpoints;

namespace SegEngine.Tests.Model.Checkpoints;

/// <summary>
/// A checkpoint is untrusted input: PyTorch's loader runs whatever global its pickle names, so every global outside
/// the checkpoint allow-list refuses the file, with the global and the key that holds it, on every path that reads one.
/// </summary>
public class UntrustedCheckpointTests
{
    private const string Source = "checkpoint_final.pth:checkpoint_final/data.pkl";

    /// <summary>Hostile pickles written opcode by opcode, each with the global and the path the error must name.</summary>
    public static TheoryData<string, byte[], string, string> HostilePickles() => new()
    {
        { "os.system by REDUCE", Checkpoint(p => Call(p, "posix", "system", "touch /tmp/pwned")), "posix.system", "at ['init_args']['plans']" },
        { "nt.system by REDUCE", Checkpoint(p => Call(p, "nt", "system", "calc.exe")), "nt.system", "at ['init_args']['plans']" },
        { "eval", Checkpoint(p => Call(p, "builtins", "eval", "__import__('os').system('id')")), "builtins.eval", "at ['init_args']['plans']" },
        { "subprocess.Popen", Checkpoint(p => Call(p, "subprocess", "Popen", "id")), "subprocess.Popen", "at ['init_args']['plans']" },
        { "open for writing", Checkpoint(p => Call(p, "builtins", "open", "/home/user/.bashrc", "w")), "builtins.open", "at ['init_args']['plans']" },
        { "Python 2 spelling", Checkpoint(p => Call(p, "__builtin__", "open", "/etc/passwd")), "__builtin__.open", "at ['init_args']['plans']" },
        { "torch.load through legacy storage bytes", Checkpoint(p => Call(p, "torch.storage", "_load_from_bytes", "x")), "torch.storage._load_from_bytes", "at ['init_args']['plans']" },
        { "a torch name outside the list", Checkpoint(p => Call(p, "torch", "UntypedStorage", "x")), "torch.UntypedStorage", "at ['init_args']['plans']" },
        { "a global not called", Checkpoint(p => p.Global("builtins", "exec")), "builtins.exec", "at ['init_args']['plans']" },
        { "deep in dicts and tuples", Checkpoint(Nested), "posix.system", "at ['init_args']['plans']['level1']['level2'][0]['level3']" },
        { "an argument of an allowed call", Checkpoint(p => { p.Global("collections", "OrderedDict"); p.Mark(); Call(p, "os", "system", "id"); p.Tuple(); p.Reduce(); }), "os.system", "at ['init_args']['plans'].args[0]" },
        { "STACK_GLOBAL", StackGlobalPickle(), "os.system", "at ['init_args']['plans']" },
        { "NEWOBJ", NewObjectPickle(), "subprocess.Popen", "at ['obj']" },
        { "at the top level", TopLevelCall(), "posix.system", "at the top level" },
        { "popped off the stack", PoppedGlobal(), "posix.system", "outside the unpickled object" },
    };

    [Theory]
    [MemberData(nameof(HostilePickles))]
    public void ForeignGlobalsAreRefusedNamingTheGlobalAndTheKey(string kind, byte[] pickle, string global, string where)
    {
        var error = Assert.Throws<SegEngineException>(() => PickleReader.Read(pickle, Source));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.True(error.Message.StartsWith($"{Source}: global '{global}' {where} (pickle byte ", StringComparison.Ordinal), $"{kind}: {error.Message}");
        Assert.Contains("is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheAllowListHoldsEveryGlobalOfTheSampleAndFixtureCheckpoints()
    {
        string[] checkpoints =
        [
            Path.Combine(TestPaths.SampleModel("2d"), "fold_0", "checkpoint_final.pth"),
            Path.Combine(TestPaths.SampleModel("3d_fullres"), "fold_0", "checkpoint_final.pth"),
            Path.Combine(TestPaths.Fixtures, "conversion", "tensors.pth"),
            Path.Combine(TestPaths.Fixtures, "conversion", "resenc_2d", "fold_0", "checkpoint_final.pth"),
            Path.Combine(TestPaths.Fixtures, "conversion", "plain_3d", "fold_0", "checkpoint_final.pth"),
        ];

        foreach (string checkpoint in checkpoints)
        {
            Assert.NotNull(TorchCheckpoint.Open(checkpoint).Root);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadingAModelFolderRefusesAHostileCheckpointWithOrWithoutItsOnnx(bool keepOnnx)
    {
        string folder = ModelFixtures.CopySample("2d");
        string fold = Path.Combine(folder, "fold_0");
        if (!keepOnnx)
        {
            File.Delete(Path.Combine(fold, "model.onnx"));
        }

        string checkpoint = Path.Combine(fold, "checkpoint_final.pth");
        ReplacePickle(checkpoint, Checkpoint(p => Call(p, "posix", "system", "touch /tmp/pwned")));

        var error = Assert.Throws<SegEngineException>(() => ModelFolder.Load(folder));

        Assert.Equal(SegErrorCode.InvalidModel, error.Code);
        Assert.StartsWith($"{checkpoint}:checkpoint_final/data.pkl: global 'posix.system' at ['init_args']['plans'] ", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not allowed", Assert.Throws<SegEngineException>(() => CheckpointMetadata.Read(checkpoint)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameCheckpointWithAnAllowedValueReads()
    {
        CheckpointMetadata metadata = CheckpointMetadata.FromCheckpoint(OpenPickle(Checkpoint(p => p.String("plans"))));

        Assert.Equal("2d", metadata.Configuration);
        Assert.Equal([0, 1], metadata.MirroringAxes!);
    }

    /// <summary>An nnU-Net checkpoint dict whose <c>init_args['plans']</c> is what <paramref name="plans"/> pushes.</summary>
    private static byte[] Checkpoint(Action<PickleWriter> plans)
    {
        var pickle = new PickleWriter();
        pickle.EmptyDict();
        pickle.Mark();
        pickle.String("init_args");
        pickle.EmptyDict();
        pickle.Mark();
        pickle.String("plans");
        plans(pickle);
        pickle.String("configuration");
        pickle.String("2d");
        pickle.String("fold");
        pickle.Int(0);
        pickle.SetItems();
        pickle.String("trainer_name");
        pickle.String("nnUNetTrainer");
        pickle.String("inference_allowed_mirroring_axes");
        pickle.Mark();
        pickle.Int(0);
        pickle.Int(1);
        pickle.Tuple();
        pickle.String("current_epoch");
        pickle.Int(1000);
        pickle.SetItems();
        return pickle.Finish();
    }

    /// <summary>Pushes <c>module.name(*arguments)</c>.</summary>
    private static void Call(PickleWriter pickle, string module, string name, params string[] arguments)
    {
        pickle.Global(module, name);
        pickle.Mark();
        foreach (string argument in arguments)
        {
            pickle.String(argument);
        }

        pickle.Tuple();
        pickle.Reduce();
    }

    /// <summary>Pushes <c>{'level1': {'level2': ({'level3': posix.system('id')},)}}</c>.</summary>
    private static void Nested(PickleWriter pickle)
    {
        pickle.EmptyDict();
        pickle.Mark();
        pickle.String("level1");
        pickle.EmptyDict();
        pickle.Mark();
        pickle.String("level2");
        pickle.Mark();
        pickle.EmptyDict();
        pickle.Mark();
        pickle.String("level3");
        Call(pickle, "posix", "system", "id");
        pickle.SetItems();
        pickle.Tuple();
        pickle.SetItems();
        pickle.SetItems();
    }

    /// <summary>Protocol 4: <c>{'init_args': {'plans': os.system('id')}}</c> with the global from STACK_GLOBAL.</summary>
    private static byte[] StackGlobalPickle()
    {
        var bytes = new List<byte> { 0x80, 0x04, (byte)'}', (byte)'(' };
        ShortString(bytes, "init_args");
        bytes.AddRange([(byte)'}', (byte)'(']);
        ShortString(bytes, "plans");
        ShortString(bytes, "os");
        ShortString(bytes, "system");
        bytes.Add(0x93); // STACK_GLOBAL
        ShortString(bytes, "id");
        bytes.AddRange([0x85, (byte)'R', (byte)'u', (byte)'u', (byte)'.']); // TUPLE1, REDUCE, SETITEMS, SETITEMS, STOP
        return [.. bytes];
    }

    /// <summary><c>{'obj': subprocess.Popen.__new__(subprocess.Popen)}</c> through GLOBAL and NEWOBJ.</summary>
    private static byte[] NewObjectPickle()
    {
        var bytes = new List<byte> { 0x80, 0x02, (byte)'}', (byte)'(' };
        ShortString(bytes, "obj");
        bytes.Add((byte)'c');
        bytes.AddRange(Encoding.UTF8.GetBytes("subprocess\nPopen\n"));
        bytes.AddRange([(byte)')', 0x81, (byte)'u', (byte)'.']); // EMPTY_TUPLE, NEWOBJ, SETITEMS, STOP
        return [.. bytes];
    }

    private static byte[] TopLevelCall()
    {
        var pickle = new PickleWriter();
        Call(pickle, "posix", "system", "id");
        return pickle.Finish();
    }

    /// <summary>The global is called and the result dropped (POP), as a payload that only wants to run would do.</summary>
    private static byte[] PoppedGlobal()
    {
        var pickle = new PickleWriter();
        Call(pickle, "posix", "system", "id");
        byte[] call = pickle.Finish();
        return [.. call[..^1], (byte)'0', (byte)'}', (byte)'.'];
    }

    private static void ShortString(List<byte> bytes, string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        bytes.Add(0x8c); // SHORT_BINUNICODE
        bytes.Add((byte)utf8.Length);
        bytes.AddRange(utf8);
    }

    private static void ReplacePickle(string checkpoint, byte[] pickle)
    {
        using ZipArchive zip = ZipFile.Open(checkpoint, ZipArchiveMode.Update);
        zip.GetEntry("checkpoint_final/data.pkl")!.Delete();
        using Stream stream = zip.CreateEntry("checkpoint_final/data.pkl", CompressionLevel.NoCompression).Open();
        stream.Write(pickle);
    }

    private static TorchCheckpoint OpenPickle(byte[] pickle)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "checkpoint_final.pth");
        using (ZipArchive zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using Stream stream = zip.CreateEntry("checkpoint_final/data.pkl", CompressionLevel.NoCompression).Open();
            stream.Write(pickle);
        }

        return TorchCheckpoint.Open(path);
    }
}
