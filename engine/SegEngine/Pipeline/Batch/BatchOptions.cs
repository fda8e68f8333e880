namespace SegEngine.Pipeline.Batch;

/// <summary>How many workers each stage has and how many cases may be in flight at once.</summary>
/// <param name="PreprocessWorkers">Read + preprocess workers (nnU-Net's <c>-npp</c>).</param>
/// <param name="ExportWorkers">Export + write workers (nnU-Net's <c>-nps</c>).</param>
/// <param name="MaxCasesInFlight">Cases admitted between the start of reading and the end of writing; the memory plan covers this many.</param>
internal sealed record BatchOptions(int PreprocessWorkers, int ExportWorkers, int MaxCasesInFlight)
{
    /// <summary>Cases that can be in flight with every worker busy and one case waiting in each of the two queues.</summary>
    public static int Saturation(int preprocessWorkers, int exportWorkers) => preprocessWorkers + 1 + exportWorkers + 2;

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PreprocessWorkers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ExportWorkers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxCasesInFlight);
    }
}
