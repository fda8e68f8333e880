namespace SegEngine.Perf.Network;

/// <summary>The time of one operator type (or convolution class) per forward, with its share of the total.</summary>
/// <param name="Name">Operator type, e.g. <c>InstanceNormalization</c>, or a convolution class.</param>
/// <param name="NodesPerForward">Nodes of this kind in one forward.</param>
/// <param name="SecondsPerForward">Their summed kernel time in one forward.</param>
/// <param name="Share">That time over the total of the table it sits in (all operators, or all convolutions).</param>
/// <param name="GflopPerForward">Convolutions only: floating-point work in one forward, in 10⁹ operations; 0 otherwise.</param>
internal sealed record OperatorShare(string Name, double NodesPerForward, double SecondsPerForward, double Share, double GflopPerForward)
{
    public double GflopPerSecond => SecondsPerForward > 0 ? GflopPerForward / SecondsPerForward : 0;
}
