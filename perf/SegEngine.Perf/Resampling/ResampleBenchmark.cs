using System.Diagnostics;
using System.Runtime.InteropServices;
using SegEngine.Model;
using SegEngine.Perf.Common;
using SegEngine.Preprocessing.Resampling;

namespace SegEngine.Perf.Resampling;

/// <summary>
/// <c>resample [cubic|separate|torch|all] [z y x]</c>: preprocessing's data resampling on a CT-sized volume, wall time and
/// peak memory; perf/scripts/resample_scipy.py runs the same work through SciPy/skimage as nnU-Net does, and
/// perf/scripts/resample_torch.py the torch cases through torch's own F.interpolate.
/// </summary>
internal static class ResampleBenchmark
{
    public static int Run(string[] args)
    {
        string which = args.Length > 0 ? args[0] : "all";
        int[] size = args.Length > 3 ? [int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3])] : [];
        if (which is not ("cubic" or "separate" or "torch" or "all"))
        {
            Console.Error.WriteLine("usage: SegEngine.Perf resample [cubic|separate|torch|all] [z y x]");
            return PerfExit.Usage;
        }

        if (which is "cubic" or "all")
        {
            Measure("cubic 0.7 mm -> 1.5 mm", size.Length == 3 ? new Shape3(size[0], size[1], size[2]) : new Shape3(300, 512, 512), [0.7, 0.7, 0.7], [1.5, 1.5, 1.5]);
        }

        if (which is "separate" or "all")
        {
            Measure("separate-z 5 mm slices -> 1.5 mm", size.Length == 3 ? new Shape3(size[0], size[1], size[2]) : new Shape3(60, 512, 512), [5.0, 0.7, 0.7], [1.5, 1.5, 1.5]);
        }

        if (which is "torch" or "all")
        {
            Shape3 ct = size.Length == 3 ? new Shape3(size[0], size[1], size[2]) : new Shape3(300, 512, 512);
            MeasureTorch("torch trilinear 0.7 mm -> 1.5 mm, channels-last kernel", ct, [0.7, 0.7, 0.7], [1.5, 1.5, 1.5], channelsLast: true);
            MeasureTorch("torch trilinear 0.7 mm -> 1.5 mm, NCDHW kernel", ct, [0.7, 0.7, 0.7], [1.5, 1.5, 1.5], channelsLast: false);
            MeasureTorch("torch separate-z 5 mm slices -> 1.5 mm", size.Length == 3 ? ct : new Shape3(60, 512, 512), [5.0, 0.7, 0.7], [1.5, 1.5, 1.5], channelsLast: false);
        }

        return PerfExit.Success;
    }

    private static void MeasureTorch(string title, Shape3 shape, double[] current, double[] target, bool channelsLast)
    {
        float[] input = SyntheticCt.Create(shape);
        Shape3 outShape = ResamplingPlan.ComputeNewShape(shape, current, target);
        ResamplingPlan plan = ResamplingPlan.Create(shape, outShape, current, target, null);
        var output = new float[outShape.Voxels];
        var layout = new SegEngine.Resampling.TorchLayout(channelsLast, channelsLast);
        var clock = Stopwatch.StartNew();
        TorchResampler.ResampleData(input, output, plan, layout);
        clock.Stop();
        Console.WriteLine($"{title}: {shape} -> {outShape} separate_z={plan.SeparateZ}: {clock.Elapsed.TotalSeconds:F2} s wall");
    }

    private static void Measure(string title, Shape3 shape, double[] current, double[] target)
    {
        float[] input = SyntheticCt.Create(shape);
        Shape3 outShape = ResamplingPlan.ComputeNewShape(shape, current, target);
        var spec = new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 3, 0, null);
        ResamplingPlan plan = ResamplingPlan.Create(shape, outShape, current, target, null);
        var output = new float[outShape.Voxels];
        GC.Collect();
        long managedBefore = GC.GetTotalMemory(true);
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Resampler.ResampleData(input, output, plan, spec);
        clock.Stop();
        process.Refresh();
        TimeSpan cpu = process.TotalProcessorTime - cpuBefore;
        double checksum = 0;
        foreach (float v in output)
        {
            checksum += v;
        }

        // Compared byte for byte with the dump resample_scipy.py writes when given a prefix (cmp PREFIX.cubic.f32 ...).
        string? dump = Environment.GetEnvironmentVariable("SEGENGINE_PERF_DUMP");
        if (dump is not null)
        {
            File.WriteAllBytes($"{dump}.{(plan.SeparateZ ? "separate" : "cubic")}.f32", MemoryMarshal.AsBytes(output.AsSpan()).ToArray());
        }

        Console.WriteLine(
            $"{title}: {shape} -> {outShape} separate_z={plan.SeparateZ} axis={plan.LowResolutionAxis}: {clock.Elapsed.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU, " +
            $"threads {Environment.ProcessorCount}, peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB, " +
            $"input {input.Length * 4 / 1048576.0:F0} MiB + output {output.Length * 4 / 1048576.0:F0} MiB, " +
            $"managed heap before {managedBefore / 1048576.0:F0} MiB, GC total allocated {GC.GetTotalAllocatedBytes() / 1048576.0:F0} MiB, checksum {checksum:R}");
    }
}
