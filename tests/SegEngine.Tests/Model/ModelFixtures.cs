using System.Text.Json.Nodes;
using SegEngine.Inference;

namespace SegEngine.Tests.Model;

/// <summary>Temporary model folders made from the bundled sample, with JSON edits applied by the test.</summary>
internal static class ModelFixtures
{
    public const string SampleFolderPrefix = "nnUNetTrainer__nnUNetResEncUNetMPlans__";

    /// <summary>Copies the sample model of <paramref name="configuration"/> into a fresh folder named <paramref name="folderName"/>.</summary>
    public static string CopySample(string configuration, string? folderName = null, string? parent = null)
    {
        string source = TestPaths.SampleModel(configuration);
        string target = Path.Combine(parent ?? TestPaths.NewTempFolder(), folderName ?? Path.GetFileName(source));
        // The compressed form of an expanded file (the 2d checkpoint's .xz) is the repository's storage, not the model's;
        // a memory record is what an earlier run measured there, and a graph rewrite what it cached, not part of the model either.
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".xz", StringComparison.Ordinal) && !f.EndsWith(NetworkMemoryRecord.FileSuffix, StringComparison.Ordinal)
                && !f.EndsWith(SegEngine.Conversion.Onnx.Rewrite.GraphRewrite.FileSuffix, StringComparison.Ordinal)))
        {
            string destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    /// <summary>The sample model of <paramref name="configuration"/> with its fold_0 copied into fold_1 .. fold_(<paramref name="folds"/> − 1).</summary>
    public static string CopySampleWithFolds(string configuration, int folds)
    {
        string folder = CopySample(configuration);
        string fold0 = Path.Combine(folder, "fold_0");
        for (int f = 1; f < folds; f++)
        {
            string fold = Path.Combine(folder, $"fold_{f}");
            Directory.CreateDirectory(fold);
            foreach (string file in Directory.GetFiles(fold0))
            {
                File.Copy(file, Path.Combine(fold, Path.GetFileName(file)));
            }
        }

        return folder;
    }

    public static JsonObject ReadJson(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    public static void EditJson(string path, Action<JsonObject> edit)
    {
        JsonObject root = ReadJson(path);
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    public static JsonObject SamplePlans() => ReadJson(Path.Combine(TestPaths.SampleModel("3d_fullres"), "plans.json"));

    /// <summary>Writes a plans.json into a new temp folder after applying <paramref name="edit"/> to the sample plans.</summary>
    public static string WritePlans(Action<JsonObject> edit)
    {
        JsonObject plans = SamplePlans();
        edit(plans);
        string path = Path.Combine(TestPaths.NewTempFolder(), "plans.json");
        File.WriteAllText(path, plans.ToJsonString());
        return path;
    }

    public static string WriteJson(string json, string name)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), name);
        File.WriteAllText(path, json);
        return path;
    }

    public static JsonObject Configurations(this JsonObject plans) => plans["configurations"]!.AsObject();
}
