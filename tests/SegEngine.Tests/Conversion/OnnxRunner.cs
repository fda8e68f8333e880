using Microsoft.ML.OnnxRuntime;

namespace SegEngine.Tests.Conversion;

/// <summary>Runs an ONNX file once on the CPU, for comparing two exports of one network.</summary>
internal static class OnnxRunner
{
    public static float[] Run(string onnxPath, float[] input, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(onnxPath, options);
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(new RunOptions(), [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
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
