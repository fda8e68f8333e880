using BenchmarkDotNet.Attributes;
using SegEngine.Model;
using SegEngine.Perf.Common;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// Preprocessing's data resampling (<see cref="Resampler.ResampleData(ReadOnlySpan{float}, Span{float}, ResamplingPlan, ResamplingSpec)"/>)
/// of a CT channel: cubic and linear on all axes (0.7 mm → 1.5 mm), and the separate-z path (5 mm slices → 1.5 mm: cubic
/// in-plane per slice, nearest along z).
/// </summary>
public class ResamplingBenchmark
{
    private const string Accounting = "fp32 input read (4 per input voxel) + fp32 output written (4 per output voxel)";

    private float[] input = [];
    private float[] output = [];
    private ResamplingPlan? plan;

    [GlobalSetup(Targets = [nameof(Cubic), nameof(Linear)])]
    public void SetupIsotropic()
    {
        Prepare(KernelSizes.Current.ResampleInput, [0.7, 0.7, 0.7]);
        Register(nameof(Cubic));
        Register(nameof(Linear));
    }

    [GlobalSetup(Target = nameof(SeparateZCubic))]
    public void SetupSeparateZ()
    {
        Prepare(KernelSizes.Current.SeparateZInput, [5.0, 0.7, 0.7]);
        Register(nameof(SeparateZCubic));
    }

    [GlobalCleanup]
    public void Cleanup() => (input, output, plan) = ([], [], null);

    [Benchmark]
    public float Cubic() => Resample(order: 3);

    [Benchmark]
    public float Linear() => Resample(order: 1);

    [Benchmark]
    public float SeparateZCubic() => Resample(order: 3);

    private float Resample(int order)
    {
        Resampler.ResampleData(input, output, plan!, new ResamplingSpec(ResamplingSpec.DefaultFunction, false, order, 0, null));
        return output[^1];
    }

    private void Prepare(Shape3 shape, double[] spacing)
    {
        double[] target = [1.5, 1.5, 1.5];
        Shape3 outputShape = ResamplingPlan.ComputeNewShape(shape, spacing, target);
        plan = ResamplingPlan.Create(shape, outputShape, spacing, target, null);
        input = SyntheticCt.Create(shape);
        output = new float[outputShape.Voxels];
    }

    private void Register(string method) => TrafficTable.Register(
        typeof(ResamplingBenchmark), method, new KernelTraffic(4L * (input.Length + output.Length), $"{plan!.InputShape} -> {plan.OutputShape}", Accounting));
}
