using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Tests.Conversion;

/// <summary>An ONNX file in an ORT session on the CPU, for comparing two exports of one network.</summary>
internal sealed class OnnxRunner : IDisposable
{
    private readonly SessionOptions options = new() { IntraOpNumThreads = Environment.ProcessorCount, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
    private readonly InferenceSession session;

    public OnnxRunner(string onnxPath) => session = new InferenceSession(onnxPath, options);

    /// <summary>Opens <paramref name="onnxPath"/>, runs it once and closes it.</summary>
    public static float[] Run(string onnxPath, float[] input, long[] shape)
    {
        using var runner = new OnnxRunner(onnxPath);
        return runner.Run(input, shape);
    }

    public float[] Run(float[] input, long[] shape)
    {
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
    }

    /// <summary>Uniform random values in [-2, 2), roughly the range of CT-normalised inputs.</summary>
    public static float[] RandomInput(int count, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 4 - 2);
        }

        return values;
    }

    /// <summary>max |a − b| over the range of <paramref name="reference"/>.</summary>
    public static double RelativeMaxDifference(float[] reference, float[] actual)
    {
        Assert.Equal(reference.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)reference[i] - actual[i]));
        }

        return worst / (reference.Max() - reference.Min());
    }
}
