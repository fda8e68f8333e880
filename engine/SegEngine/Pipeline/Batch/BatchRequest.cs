namespace SegEngine.Pipeline.Batch;

/// <summary>What a batch prediction is asked to do: <c>nnUNetv2_predict</c>'s folder-to-folder job, one part of it.</summary>
/// <param name="InputFolder">The <c>{case}_{XXXX}{file_ending}</c> files.</param>
/// <param name="OutputFolder">Where <c>{case}{file_ending}</c>, dataset.json and plans.json go (created if missing).</param>
internal sealed record BatchRequest(string InputFolder, string OutputFolder)
{
    /// <summary>Also write <c>{case}.npz</c> with the probabilities and <c>{case}.json</c> with the properties (<see cref="Io.PropertiesFile"/>).</summary>
    public bool SaveProbabilities { get; init; }

    /// <summary>Skip cases whose outputs (and probabilities, when asked) already exist.</summary>
    public bool ContinuePrediction { get; init; }

    /// <summary>The previous stage's segmentations, named as the outputs; required by a cascade stage.</summary>
    public string? PreviousStageFolder { get; init; }

    /// <summary>Read + preprocess workers (<c>-npp</c>); null chooses from the core count.</summary>
    public int? PreprocessWorkers { get; init; }

    /// <summary>Export + write workers (<c>-nps</c>); null chooses from the core count.</summary>
    public int? ExportWorkers { get; init; }

    /// <summary>Which share of the sorted cases to predict.</summary>
    public PartSelection Part { get; init; } = PartSelection.Whole;

    /// <summary>
    /// Admits cases without any memory limit. By default, when the model's options name no budget, each case is refused
    /// from its header when its plan exceeds what the machine can still give (<see cref="MachineMemory"/>).
    /// </summary>
    public bool UnlimitedMemory { get; init; }

    /// <summary>Where to write the JSON report (<c>docs/report.schema.json</c>); null writes none.</summary>
    public string? ReportPath { get; init; }
}
