using SegEngine.Pipeline;
using SegEngine.Server.Oip;

namespace SegEngine.Server.Hosting;

/// <summary>A model held warm under the name clients use; its metadata is what OIP's model metadata calls describe.</summary>
internal sealed class ServedModel(string name, SegModel model)
{
    /// <summary>Models are loaded once and never replaced, so each has the one version the protocol's paths may name.</summary>
    public const string Version = "1";

    /// <summary>The platform string of the model metadata: what runs the network.</summary>
    public const string Platform = "segengine_onnxruntime";

    public string Name { get; } = name;

    public SegModel Model { get; } = model;

    /// <summary>The labels' datatype: UINT8, or UINT16 when a label is 255 or more.</summary>
    public string LabelDatatype => OutputTensor.LabelDatatype(Model.LabelBytesPerVoxel);

    /// <summary>K of the <c>probabilities</c> output [K, Z, Y, X]: the model's heads (classes, or regions).</summary>
    public int ProbabilityChannels => Model.Folder.Labels.HeadCount;

    public int Channels => Model.ChannelNames.Count;
}
