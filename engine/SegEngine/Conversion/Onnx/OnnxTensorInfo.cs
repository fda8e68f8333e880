using System.Globalization;

namespace SegEngine.Conversion.Onnx;

/// <summary>One input or output of an ONNX graph, as its <c>ValueInfoProto</c> declares it.</summary>
/// <param name="Name">The graph's name for it, e.g. <c>input</c> or <c>logits</c>.</param>
/// <param name="ElementType">Element type as ONNX Runtime names it, e.g. <c>Float</c> or <c>Float16</c>.</param>
/// <param name="Dimensions">The shape; -1 marks a dynamic axis.</param>
/// <param name="DimensionNames">The symbolic name of each axis ("" for fixed or unnamed ones).</param>
internal sealed record OnnxTensorInfo(string Name, string ElementType, long[] Dimensions, string[] DimensionNames)
{
    public bool IsDynamic(int axis) => Dimensions[axis] < 0;

    /// <summary>The shape as text: fixed sizes as numbers, dynamic axes by name or <c>?</c>, e.g. <c>[batch, 1, 48, 64, 64]</c>.</summary>
    public string FormatShape() =>
        "[" + string.Join(", ", Dimensions.Select((size, axis) => size >= 0
            ? size.ToString(CultureInfo.InvariantCulture)
            : DimensionNames[axis].Length > 0 ? DimensionNames[axis] : "?")) + "]";
}
