namespace SegEngine.Perf.Network;

/// <summary>One operator's kernel run in an ONNX Runtime profile: its type, time and tensor shapes as the trace gives them.</summary>
/// <param name="Name">The graph node's name.</param>
/// <param name="OperatorType">The trace's <c>op_name</c>, e.g. <c>Conv</c>, <c>FusedConv</c>, <c>InstanceNormalization</c>.</param>
/// <param name="Microseconds">The kernel's duration (<c>dur</c>).</param>
/// <param name="InputShapes">Every input's shape, in input order (a Conv's are data, weight, then bias).</param>
/// <param name="OutputShapes">Every output's shape.</param>
internal sealed record ProfiledNode(string Name, string OperatorType, long Microseconds, long[][] InputShapes, long[][] OutputShapes);
