using System.Diagnostics;
using SegEngine;
using SegEngine.Model;
using SegEngine.Preprocessing.Resampling;

// Benchmarks for SegEngine stages. `dotnet run -c Release --project perf/SegEngine.Perf -- resample [cubic|separate] [z y x]`
// prints wall time and peak memory; perf/scripts/resample_scipy.py runs the same work through SciPy/skimage.
if (args.Length == 0 || args[0] != "resample")
{
    Console.Error.WriteLine("usage: SegEngine.Perf resample [cubic|separate|all] [z y x]");
    return 2;
}

string which = args.Length > 1 ? args[1] : "all";
int[] size = args.Length > 4 ? [int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4])] : [];
if (which is "cubic" or "all")
{
    Run("cubic 0.7 mm -> 1.5 mm", size.Length == 3 ? new Shape3(size[0], size[1], size[2]) : new Shape3(300, 512, 512), [0.7, 0.7, 0.7], [1.5, 1.5, 1.5]);
}

if (which is "separate" or "all")
{
    Run("separate-z 5 mm slices -> 1.5 mm", size.Length == 3 ? new Shape3(size[0], size[1], size[2]) : new Shape3(60, 512, 512), [5.0, 0.7, 0.7], [1.5, 1.5, 1.5]);
}

return 0;

static void Run(string title, Shape3 shape, double[] current, double[] target)
{
    float[] input = CtLike(shape);
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

    string? dump = Environment.GetEnvironmentVariable("SEGENGINE_PERF_DUMP");
    if (dump is not null)
    {
        File.WriteAllBytes($"{dump}.{(plan.SeparateZ ? "separate" : "cubic")}.f32", System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.AsSpan()).ToArray());
    }

    Console.WriteLine(
        $"{title}: {shape} -> {outShape} separate_z={plan.SeparateZ} axis={plan.LowResolutionAxis}: {clock.Elapsed.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU, " +
        $"threads {Environment.ProcessorCount}, peak working set {process.PeakWorkingSet64 / 1048576.0:F0} MiB, " +
        $"input {input.Length * 4 / 1048576.0:F0} MiB + output {output.Length * 4 / 1048576.0:F0} MiB, " +
        $"managed heap before {managedBefore / 1048576.0:F0} MiB, GC total allocated {GC.GetTotalAllocatedBytes() / 1048576.0:F0} MiB, checksum {checksum:R}");
}

// Deterministic CT-like int16 values (air outside a disc, soft tissue ramps, bone specks, noise) stored as float32, as the
// preprocessor sees them. Integer arithmetic only, so resample_scipy.py builds the identical volume.
static float[] CtLike(Shape3 shape)
{
    var data = new float[shape.Voxels];
    Parallel.For(0, shape.Z, z =>
    {
        for (int y = 0; y < shape.Y; y++)
        {
            for (int x = 0; x < shape.X; x++)
            {
                long dy = 2L * y - shape.Y;
                long dx = 2L * x - shape.X;
                long r2 = 100 * (dx * dx + dy * dy);
                long edge = (long)shape.X * shape.X;
                long value = r2 > 81 * edge ? -1000 : 40 + ((x + 2 * y + 3 * z) % 300);
                if (r2 < 9 * edge && (x + y + z) % 7 == 0)
                {
                    value = 1200;
                }

                long flat = ((long)z * shape.Y + y) * shape.X + x;
                uint hash = unchecked((uint)flat * 2654435761u);
                data[flat] = value + (hash >> 27) - 16;
            }
        }
    });
    return data;
}
