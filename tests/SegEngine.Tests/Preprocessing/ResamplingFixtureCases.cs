using System.Text.Json;
using SegEngine.Io;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Tests.Preprocessing;

/// <summary>
/// A folder of resampling fixtures made on Debian's python: <c>cases.json</c> and one <c>{name}.npz</c> per case with
/// arrays <c>input</c> (c, z, y, x) and <c>output</c>. The loading, planning and bit comparison the SciPy and torch
/// fixture tests share.
/// </summary>
internal sealed class ResamplingFixtureCases
{
    private readonly Lazy<JsonElement> root;

    public ResamplingFixtureCases(string folder)
    {
        Folder = Path.Combine(TestPaths.Fixtures, "preprocessing", folder);
        root = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json"))).RootElement);
    }

    public string Folder { get; }

    /// <summary>The whole of <c>cases.json</c>.</summary>
    public JsonElement Root => root.Value;

    /// <summary>The names of the entries of <paramref name="list"/> in <c>cases.json</c>.</summary>
    public TheoryData<string> Names(string list = "cases")
    {
        var data = new TheoryData<string>();
        foreach (JsonElement entry in Root.GetProperty(list).EnumerateArray())
        {
            data.Add(entry.GetProperty("name").GetString()!);
        }

        return data;
    }

    /// <summary>The entry of <paramref name="list"/> named <paramref name="name"/>.</summary>
    public JsonElement Entry(string name, string list = "cases") =>
        Root.GetProperty(list).EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    /// <summary>
    /// Case <paramref name="name"/> with its arrays and the plan made from its spacings; the new shape, the separate-z
    /// decision and its axis are asserted equal to nnU-Net's on the way.
    /// </summary>
    public ResamplingFixtureCase Case(string name)
    {
        JsonElement json = Entry(name);
        string path = Path.Combine(Folder, name + ".npz");
        NpyArray input = Npy.ReadFromNpz(path, "input");
        double[] current = Doubles(json.GetProperty("current_spacing"));
        double[] target = Doubles(json.GetProperty("new_spacing"));
        bool? force = ForceSeparateZ(json);

        var inShape = new Shape3((int)input.Shape[1], (int)input.Shape[2], (int)input.Shape[3]);
        Shape3 outShape = ResamplingPlan.ComputeNewShape(inShape, current, target);
        Assert.Equal(Shape3.FromArray(Ints(json.GetProperty("new_shape"))), outShape);
        ResamplingPlan plan = ResamplingPlan.Create(inShape, outShape, current, target, force);
        Assert.Equal(json.GetProperty("separate_z").GetBoolean(), plan.SeparateZ);
        Assert.Equal(SeparateZAxis(json), plan.LowResolutionAxis);
        return new ResamplingFixtureCase(name, json, path, input, Npy.ReadFromNpz(path, "output"), plan, force);
    }

    /// <summary>The entry's <c>force_separate_z</c>: true, false or null (decide).</summary>
    public static bool? ForceSeparateZ(JsonElement entry) =>
        entry.GetProperty("force_separate_z").ValueKind == JsonValueKind.Null ? null : entry.GetProperty("force_separate_z").GetBoolean();

    /// <summary>The entry's separate-z <c>axis</c>, −1 for null (as <see cref="ResamplingPlan.LowResolutionAxis"/>).</summary>
    public static int SeparateZAxis(JsonElement entry) =>
        entry.GetProperty("axis").ValueKind == JsonValueKind.Null ? -1 : entry.GetProperty("axis").GetInt32();

    public static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];

    public static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    /// <summary>Asserts <paramref name="actual"/> equal to <paramref name="expected"/> bit for bit, naming the first difference.</summary>
    public static void AssertBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Shape3 shape, string name)
    {
        int mismatches = 0;
        int first = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }

        Assert.True(
            mismatches == 0,
            $"{name}: {mismatches} of {expected.Length} voxels differ in {shape}; first at {first}: expected {(first >= 0 ? expected[first] : 0):R}, got {(first >= 0 ? actual[first] : 0):R}");
    }
}

/// <summary>One fixture case: its <c>cases.json</c> entry, its arrays and the plan nnU-Net resamples it with.</summary>
internal sealed record ResamplingFixtureCase(string Name, JsonElement Json, string Path, NpyArray Input, NpyArray Expected, ResamplingPlan Plan, bool? ForceSeparateZ)
{
    public int Channels => (int)Input.Shape[0];

    public int InputLength => (int)Plan.InputShape.Voxels;

    public int OutputLength => (int)Plan.OutputShape.Voxels;

    /// <summary>Asserts channel <paramref name="channel"/> of the expected float32 output equal to <paramref name="actual"/> bit for bit.</summary>
    public void AssertChannelBits(int channel, ReadOnlySpan<float> actual) =>
        ResamplingFixtureCases.AssertBits(Expected.As<float>().Slice(channel * OutputLength, OutputLength), actual, Plan.OutputShape, Name);
}
