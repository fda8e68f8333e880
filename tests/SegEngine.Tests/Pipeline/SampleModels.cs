using SegEngine.Inference;
using SegEngine.Pipeline;

namespace SegEngine.Tests.Pipeline;

/// <summary>The bundled sample models, loaded once per test class (sessions and warm-up cost a second each).</summary>
public sealed class SampleModels : IDisposable
{
    private readonly Dictionary<(string Configuration, bool Tta), SegModel> models = [];
    private readonly Lock gate = new();

    public SegModel Get(string configuration, bool tta)
    {
        lock (gate)
        {
            if (!models.TryGetValue((configuration, tta), out SegModel? model))
            {
                model = SegModel.Load(
                    TestPaths.SampleModel(configuration),
                    new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu, UseMirroring = tta } });
                models.Add((configuration, tta), model);
            }

            return model;
        }
    }

    public void Dispose()
    {
        foreach (SegModel model in models.Values)
        {
            model.Dispose();
        }
    }
}
