using SegEngine.Model.Checkpoints;

namespace SegEngine.Conversion;

/// <summary>
/// A checkpoint's <c>network_weights</c> matched key by key to the network the plans describe, then read on demand.
/// Aliased keys (nnunet-parity.md §6.1) resolve to their canonical parameter; a key the network does not have, a missing
/// parameter or a shape that disagrees with the plans is an <see cref="SegErrorCode.InvalidModel"/> error naming the key.
/// </summary>
/// <remarks>What nnU-Net's strict <c>load_state_dict</c> would accept (nnunet-parity.md §1.4).</remarks>
internal sealed class CheckpointWeights : IDisposable
{
    private const string WeightsKey = "network_weights";

    private readonly Dictionary<string, (string Key, TorchTensor Tensor)> byParameter;
    private readonly TorchStorageReader reader;

    private CheckpointWeights(Dictionary<string, (string Key, TorchTensor Tensor)> byParameter, TorchStorageReader reader)
    {
        this.byParameter = byParameter;
        this.reader = reader;
    }

    public static CheckpointWeights Open(TorchCheckpoint checkpoint, UNetNetwork network, string plansDescription)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(network);
        string path = checkpoint.Path;
        if (checkpoint.Root is not PickleDict root)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: the checkpoint is not a dict; not an nnU-Net checkpoint");
        }

        if (!root.TryGetValue(WeightsKey, out object? weightsValue) || weightsValue is not PickleDict weights)
        {
            throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: {WeightsKey}: missing or not a dict of tensors");
        }

        var canonicalOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string key, string canonical) in network.StateDictKeys)
        {
            canonicalOf[key] = canonical;
        }

        Dictionary<string, NetworkParameter> parameters = network.Parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var byParameter = new Dictionary<string, (string Key, TorchTensor Tensor)>(StringComparer.Ordinal);
        foreach ((object? keyValue, object? value) in weights.Entries)
        {
            if (keyValue is not string key)
            {
                throw new SegEngineException(SegErrorCode.InvalidModel, $"{path}: {WeightsKey}: has the key {PickleValues.Describe(keyValue)}, not a parameter name");
            }

            string where = $"{path}: {WeightsKey}.{key}";
            if (!canonicalOf.TryGetValue(key, out string? canonical))
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"{where}: unexpected key; the {network.ClassName} that {plansDescription} describes has no such parameter");
            }

            TorchTensor tensor = TorchTensor.FromPickle(value, where);
            NetworkParameter parameter = parameters[canonical];
            if (!tensor.Shape.SequenceEqual(parameter.Shape.Select(size => (long)size)))
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"{where}: shape [{string.Join(", ", tensor.Shape)}], but the {network.ClassName} that {plansDescription} describes needs {parameter.FormatShape()}");
            }

            // The canonical key wins over an alias (they share storage in torch's own files).
            if (key == canonical || !byParameter.ContainsKey(canonical))
            {
                byParameter[canonical] = (key, tensor);
            }
        }

        foreach (NetworkParameter parameter in network.Parameters)
        {
            if (!byParameter.ContainsKey(parameter.Name))
            {
                throw new SegEngineException(
                    SegErrorCode.InvalidModel,
                    $"{path}: {WeightsKey}.{parameter.Name}: missing (nor is any alias of it present); the {network.ClassName} that {plansDescription} describes needs {parameter.FormatShape()}");
            }
        }

        return new CheckpointWeights(byParameter, TorchStorageReader.Open(checkpoint));
    }

    /// <summary>Reads a parameter's values (C order, float32) into <paramref name="destination"/>.</summary>
    public void Fill(string parameterName, Span<float> destination)
    {
        (string key, TorchTensor tensor) = byParameter[parameterName];
        reader.ReadSingles(tensor, destination, $"{WeightsKey}.{key}");
    }

    public void Dispose() => reader.Dispose();
}
