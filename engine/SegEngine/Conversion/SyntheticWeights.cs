using System.Text;

namespace SegEngine.Conversion;

/// <summary>
/// Deterministic random weights for benchmarking real topologies without a trained model: the same seed and parameter
/// name always give the same values, on any machine, in any order of requests.
/// </summary>
/// <remarks>
/// Kernels are uniform with He's variance 2/fan_in (the variance of nnU-Net's <c>InitWeights_He</c>), scaled by
/// <see cref="KernelGain"/> so that the logits stay of order one: the fp16 aggregation rejects infinities, and real
/// trained heads are not larger. Biases are small and uniform so that classes differ; norms start as identity (γ 1, β 0), as in torch.
/// </remarks>
internal sealed class SyntheticWeights(int seed)
{
    /// <summary>Scale on He's standard deviation.</summary>
    public const float KernelGain = 0.5f;

    /// <summary>Half-width of the uniform bias distribution.</summary>
    public const float BiasRange = 0.1f;

    public int Seed { get; } = seed;

    public void Fill(NetworkParameter parameter, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        switch (parameter.Role)
        {
            case ParameterRole.NormScale:
                destination.Fill(1f);
                return;
            case ParameterRole.NormShift:
                destination.Clear();
                return;
        }

        // Uniform on [-a, a] has variance a²/3, so a = √3·σ.
        float halfWidth = parameter.Role == ParameterRole.Kernel
            ? KernelGain * MathF.Sqrt(3f * 2f / Math.Max(parameter.FanIn, 1))
            : BiasRange;
        ulong state = StreamSeed(parameter.Name);
        for (int i = 0; i < destination.Length; i++)
        {
            float unit = (NextBits(ref state) >> 40) * (1f / (1 << 24));
            destination[i] = (2f * unit - 1f) * halfWidth;
        }
    }

    /// <summary>Mixes the seed with an FNV-1a hash of the name: one independent stream per parameter.</summary>
    private ulong StreamSeed(string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash ^ ((ulong)(uint)Seed * 0x9E3779B97F4A7C15UL);
    }

    /// <summary>SplitMix64: a tiny generator with good statistics and a fixed definition.</summary>
    private static ulong NextBits(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
