namespace SegEngine.Pipeline;

/// <summary>What converting one fold produced.</summary>
/// <param name="OnnxPath">The ONNX file written.</param>
/// <param name="ParameterCount">Learnable scalars of the network.</param>
/// <param name="Bytes">Size of the ONNX file.</param>
/// <param name="Elapsed">Wall time of the conversion.</param>
internal sealed record ConversionReport(string OnnxPath, long ParameterCount, long Bytes, TimeSpan Elapsed);
