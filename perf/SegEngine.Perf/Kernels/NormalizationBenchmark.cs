using BenchmarkDotNet.Attributes;
using SegEngine.Model;
using SegEngine.Perf.Common;
using SegEngine.Preprocessing;

namespace SegEngine.Perf.Kernels;

/// <summary>
/// nnU-Net's intensity normalisations of a CT channel in place, through <see cref="IntensityNormalization"/> as the
/// preprocessor calls them. Repeating them on already normalised data does the same work: the kernels are branch-free.
/// </summary>
public class NormalizationBenchmark
{
    /// <summary>Foreground statistics of a typical abdominal CT dataset fingerprint.</summary>
    private static readonly IntensityProperties CtProperties = new(
        Mean: 99.5, Std: 137.2, Percentile00_5: -958.0, Percentile99_5: 1248.0, Median: 101.0, Min: -1024.0, Max: 3071.0);

    private float[] volume = [];

    [GlobalSetup]
    public void Setup()
    {
        Shape3 shape = KernelSizes.Current.NormalizationVolume;
        volume = SyntheticCt.Create(shape);
        string size = shape.ToString();
        TrafficTable.Register(typeof(NormalizationBenchmark), nameof(CTNormalization), new KernelTraffic(8L * volume.Length, size, "fp32 read and written in place (4 + 4 per voxel)"));
        TrafficTable.Register(typeof(NormalizationBenchmark), nameof(ZScore), new KernelTraffic(
            12L * volume.Length, size, "fp32 read once for mean and std (4) + read and written in place (4 + 4 per voxel)"));
    }

    [GlobalCleanup]
    public void Cleanup() => volume = [];

    [Benchmark]
    public float CTNormalization()
    {
        IntensityNormalization.CTNormalization(volume, CtProperties);
        return volume[^1];
    }

    [Benchmark]
    public float ZScore() => IntensityNormalization.ZScoreNormalization(volume).Std;
}
