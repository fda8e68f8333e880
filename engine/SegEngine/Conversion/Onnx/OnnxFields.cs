namespace SegEngine.Conversion.Onnx;

/// <summary>
/// Field numbers of the ONNX protobuf schema (onnx.proto) and the enum values this code reads and writes, in one place for
/// the reader (<see cref="OnnxModelContents"/>) and the writers.
/// </summary>
internal static class OnnxFields
{
    // ModelProto
    public const int ModelIrVersion = 1;
    public const int ModelProducerName = 2;
    public const int ModelProducerVersion = 3;
    public const int ModelGraph = 7;
    public const int ModelOpsetImport = 8;
    public const int ModelMetadataProps = 14;

    // OperatorSetIdProto
    public const int OpsetDomain = 1;
    public const int OpsetVersion = 2;

    // StringStringEntryProto
    public const int EntryKey = 1;
    public const int EntryValue = 2;

    // GraphProto
    public const int GraphNode = 1;
    public const int GraphName = 2;
    public const int GraphInitializer = 5;
    public const int GraphInput = 11;
    public const int GraphOutput = 12;
    public const int GraphValueInfo = 13;

    // NodeProto
    public const int NodeInput = 1;
    public const int NodeOutput = 2;
    public const int NodeName = 3;
    public const int NodeOpType = 4;
    public const int NodeAttribute = 5;
    public const int NodeDomain = 7;

    // AttributeProto
    public const int AttributeName = 1;
    public const int AttributeFloat = 2;
    public const int AttributeInt = 3;
    public const int AttributeString = 4;
    public const int AttributeInts = 8;
    public const int AttributeDocString = 13;
    public const int AttributeType = 20;

    // AttributeProto.AttributeType values
    public const int AttributeTypeFloat = 1;
    public const int AttributeTypeInt = 2;
    public const int AttributeTypeInts = 7;

    // TensorProto
    public const int TensorDims = 1;
    public const int TensorDataType = 2;
    public const int TensorName = 8;
    public const int TensorRawData = 9;

    // TensorProto.DataType values
    public const int DataTypeFloat = 1;
    public const int DataTypeInt64 = 7;

    // ValueInfoProto
    public const int ValueInfoName = 1;
    public const int ValueInfoType = 2;

    // TypeProto
    public const int TypeTensorType = 1;

    // TypeProto.Tensor
    public const int TensorTypeElemType = 1;
    public const int TensorTypeShape = 2;

    // TensorShapeProto
    public const int ShapeDim = 1;

    // TensorShapeProto.Dimension
    public const int DimValue = 1;
    public const int DimParam = 2;
}
