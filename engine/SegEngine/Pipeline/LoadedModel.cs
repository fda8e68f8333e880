using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Model;

namespace SegEngine.Pipeline;

/// <summary>
/// A model folder with one open ONNX Runtime session per fold, the reader and the sliding window over them: what every
/// case's stages share. Loading converts checkpoint-only folds to ONNX first. The folds of a multi-fold model share
/// their tile buffers and, on the CPU, ORT's arena: they run one after another on every tile.
/// </summary>
internal sealed class LoadedModel : IDisposable
{
    private LoadedModel(ModelFolder folder, OrtTileNetwork[] folds, InferenceOptions inference)
    {
        Folder = folder;
        Folds = folds;
        Inference = inference;
        Reader = new CaseReader(folder);
        Predictor = new SlidingWindowPredictor(inference, folder.Network.MirroringAxes);
    }

    public ModelFolder Folder { get; }

    public IReadOnlyList<OrtTileNetwork> Folds { get; }

    /// <summary>The inference settings in effect.</summary>
    public InferenceOptions Inference { get; }

    public CaseReader Reader { get; }

    public SlidingWindowPredictor Predictor { get; }

    /// <summary>Where the network runs after any fallback.</summary>
    public InferenceDevice Device => Folds[0].Device;

    /// <summary>Time spent inside ONNX Runtime's <c>Run</c> over every fold since loading.</summary>
    public TimeSpan NetworkTime => TimeSpan.FromTicks(Folds.Sum(f => f.RunTime.Ticks));

    /// <summary>The bytes the folds' arena prefaults have made resident before their first tiles (<see cref="OrtTileNetwork.PrefaultedBytes"/>).</summary>
    public long PrefaultedBytes => Folds.Sum(f => f.PrefaultedBytes);

    /// <summary>Bytes per voxel of the label maps this model produces (nnU-Net's uint8/uint16 rule on its largest label).</summary>
    public int LabelBytesPerVoxel => LabelWidth.BytesPerVoxel(Folder.Labels.MaxLabel);

    /// <exception cref="SegEngineException">A file is missing or inconsistent; the message names it.</exception>
    public static LoadedModel Open(string modelDirectory, SegModelOptions options)
    {
        ModelFolder folder = ModelFolder.Load(modelDirectory, options.Folder);
        InferenceOptions inference = options.Inference;
        WarnAboutDefaultMirroring(inference, folder);
        foreach (string warning in folder.Warnings)
        {
            inference.Warning?.Invoke(warning);
        }

        var sessions = new List<OrtTileNetwork>();
        FoldTileBuffers? foldBuffers = folder.Folds.Count > 1 ? new FoldTileBuffers() : null;
        try
        {
            foreach (FoldInfo fold in folder.Folds)
            {
                OnnxSignature onnx = fold.Onnx ?? OnnxSignature.Read(ModelConversion.EnsureOnnx(folder, fold, options.ConversionCacheDirectory, inference.Warning), folder.Network);
                // Every fold runs where the first one does, so a fallback to the CPU is decided, and said, once.
                InferenceOptions foldInference = sessions.Count == 0 ? inference : inference with { Device = sessions[0].Device };
                sessions.Add(OrtTileNetwork.Open(onnx, foldInference, foldBuffers));
            }

            return new LoadedModel(folder, [.. sessions], inference);
        }
        catch
        {
            foreach (OrtTileNetwork session in sessions)
            {
                session.Dispose();
            }

            throw;
        }
    }

    /// <summary>Sliding-window tiles of one fold and one mirror pass for a preprocessed shape.</summary>
    public int TileCount(Shape3 preprocessedShape) =>
        SlidingWindowGrid.Create(preprocessedShape, Folds[0].PatchSize, Inference.StepSize).TileCount;

    public void Dispose()
    {
        foreach (OrtTileNetwork fold in Folds)
        {
            fold.Dispose();
        }
    }

    /// <summary>Says when mirroring falls back to every axis because no checkpoint names the allowed ones.</summary>
    private static void WarnAboutDefaultMirroring(InferenceOptions options, ModelFolder folder)
    {
        if (folder.Folds[0].Checkpoint is null && options.UseMirroring)
        {
            options.Warning?.Invoke(
                $"{folder.Folds[0].Directory}: no checkpoint to read inference_allowed_mirroring_axes from; mirroring over every axis as nnU-Net's default trainer does");
        }
    }
}
