using System.Collections.Concurrent;
using SegEngine.Model;
using SegEngine.Pipeline;

namespace SegEngine.Tests;

/// <summary>
/// The bundled sample models ship only their checkpoints (<c>fold_0/model.onnx</c> is ignored by git). Once per test
/// process each configuration's fold is converted with the engine's own conversion into <c>fold_0/model.onnx</c>,
/// where <c>predict</c> puts it on first use, so the tests always run the current converter's output and never depend
/// on a model.onnx left by an earlier run. The 2d configuration, which the main job does not use, keeps its checkpoint
/// as <c>checkpoint_final.pth.xz</c>, expanded here first (<see cref="CompressedFixtures"/>). The write is atomic: a concurrent reader (a CLI test's process, a ctest run)
/// sees the old file or the new one.
/// </summary>
internal static class SampleModelConversion
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Folders = new(StringComparer.Ordinal);

    /// <summary>The sample model folder of <paramref name="configuration"/>, its fold converted.</summary>
    public static string Converted(string configuration) =>
        Folders.GetOrAdd(configuration, name => new Lazy<string>(() => ConvertFolds(name))).Value;

    private static string ConvertFolds(string configuration)
    {
        string path = Path.Combine(TestPaths.RepositoryRoot, "models", "sample", $"nnUNetTrainer__nnUNetResEncUNetMPlans__{configuration}");
        CompressedFixtures.ExpandAll(path);
        ModelFolder folder = ModelFolder.Load(path);
        foreach (FoldInfo fold in folder.Folds)
        {
            ModelConversion.ConvertFold(folder, fold, Path.Combine(fold.Directory, ModelFolderOptions.DefaultOnnxName));
        }

        return path;
    }
}
