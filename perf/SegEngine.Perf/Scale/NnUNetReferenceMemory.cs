namespace SegEngine.Perf.Scale;

/// <summary>
/// The memory nnU-Net's Python reference materialises for one case without probabilities (nnunet-parity.md §5.1), summed as if
/// every listed array were alive at once, which is how the contract's worked example counts: a theoretical peak, not a
/// measurement. Not counted: the Python/torch process itself, the image and the preprocessed volume, the GPU's share, and
/// the separate-z extras (every case benchmarked here is isotropic, so none applies).
/// </summary>
internal static class NnUNetReferenceMemory
{
    /// <summary>The arrays of one case, in the contract's order, with their bytes.</summary>
    /// <param name="classes">K, the network heads.</param>
    /// <param name="preprocessedVoxels">N_pre.</param>
    /// <param name="croppedVoxels">N_crop (the cropped original grid the logits are resampled to).</param>
    /// <param name="originalVoxels">N_orig.</param>
    public static IReadOnlyList<(string Item, long Bytes)> Items(int classes, long preprocessedVoxels, long croppedVoxels, long originalVoxels)
    {
        bool resamples = preprocessedVoxels != croppedVoxels;
        return
        [
            ("main process: fp16 logits", classes * preprocessedVoxels * 2),
            ("worker: received fp16 copy", classes * preprocessedVoxels * 2),

            // resample_data_or_seg skips the float64 copy and the interpolation when the shapes already agree.
            ("worker: float64 copy of all channels", resamples ? classes * preprocessedVoxels * 8 : 0),
            ("worker: fp16 resampled logits", resamples ? classes * croppedVoxels * 2 : 0),
            ("worker: per-channel float64 resize output", resamples ? croppedVoxels * 8 : 0),
            ("worker: argmax int64", croppedVoxels * 8),
            ("worker: uint8 full image", originalVoxels),
            ("worker: transposed copy", originalVoxels),
            ("worker: cast copy", originalVoxels),
        ];
    }

    public static long TotalBytes(int classes, long preprocessedVoxels, long croppedVoxels, long originalVoxels) =>
        Items(classes, preprocessedVoxels, croppedVoxels, originalVoxels).Sum(i => i.Bytes);

    /// <summary>The export worker's arrays alone (everything but the main process's logits).</summary>
    public static long WorkerBytes(int classes, long preprocessedVoxels, long croppedVoxels, long originalVoxels) =>
        Items(classes, preprocessedVoxels, croppedVoxels, originalVoxels).Where(i => i.Item.StartsWith("worker", StringComparison.Ordinal)).Sum(i => i.Bytes);

    /// <summary>
    /// The contract's worked example: CT 800×512×512 at (1.0, 0.78, 0.78) mm with the M plan's (1.5, 0.7877, 0.7877) mm
    /// gives N_pre = 533·507·507 ≈ 137.0M and N_crop = N_orig ≈ 209.7M; with K = 25 the worker holds
    /// 6.85 + 27.4 + 10.5 + 1.68 + 1.68 + 3·0.21 ≈ 48.7 GB, the contract's "≈ 50 GB".
    /// </summary>
    /// <exception cref="InvalidOperationException">The formula no longer reproduces the example within 5 %.</exception>
    public static void CheckWorkedExample()
    {
        const long Original = 800L * 512 * 512;
        const long Preprocessed = 533L * 507 * 507;
        double workerGb = WorkerBytes(25, Preprocessed, Original, Original) / 1e9;
        if (Math.Abs(workerGb - 50) >= 2.5)
        {
            throw new InvalidOperationException($"nnunet-parity.md §5.1 example: worker ≈ 50 GB, the formula gives {workerGb:F1} GB");
        }
    }
}
