namespace SegEngine.Pipeline;

/// <summary>What <see cref="SyntheticModelFolder.Create"/> makes.</summary>
/// <param name="PlansPath">A plans.json; it is copied into the model folder unchanged.</param>
/// <param name="Configuration">The configuration of the plans to build, e.g. <c>3d_fullres</c>.</param>
/// <param name="Classes">Output heads K, background included: dataset.json gets labels 0…K−1.</param>
/// <param name="Seed">Seed of the weights; the same seed gives the same model.</param>
/// <param name="OutputFolder">The model folder to write (created; existing files are replaced).</param>
/// <param name="CheckpointWeights">Also store the weights in the checkpoint (nnU-Net can then load it); otherwise the checkpoint holds only the metadata inference reads.</param>
internal sealed record SyntheticModelRequest(string PlansPath, string Configuration, int Classes, int Seed, string OutputFolder, bool CheckpointWeights = true)
{
    public const string TrainerName = "nnUNetTrainer";
    public const string Fold = "0";
}
