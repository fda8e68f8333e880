using System.Diagnostics;
using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Preprocessing;

namespace SegEngine.Pipeline;

/// <summary>
/// The stages of one case in the one order every flow runs them: <see cref="Prepare"/> (read, preprocess) →
/// <see cref="RunNetwork"/> (sliding window with the export fused into it) → <see cref="Finish"/> (export from logits,
/// probabilities, write) or <see cref="TakeLabels"/> (in memory). Each stage takes over what the one before returned,
/// and records its seconds, progress and warnings in the case's <see cref="CaseContext"/>.
/// </summary>
/// <remarks>
/// Prepare and Finish are safe to run for several cases at once, beside the network stage; the network stage runs one
/// case at a time per model (the sessions and the sliding-window buffers are shared).
/// </remarks>
internal sealed class CasePipeline(LoadedModel model)
{
    private readonly Lock networkLock = new();

    /// <summary>A file to a file: the whole sequence.</summary>
    public void PredictFile(
        IReadOnlyList<string> channelFiles, string outputFile, string? probabilitiesFile, string? previousStageFile, CaseContext context)
    {
        PreparedCase prepared = Prepare(channelFiles, previousStageFile, probabilitiesFile is null ? ProbabilityOutput.None : ProbabilityOutput.File, context);
        PredictedCase predicted = RunNetwork(prepared, context);
        Finish(predicted, outputFile, probabilitiesFile, context);
    }

    /// <summary>An image in memory (taken over) to a label map in memory: the sequence without the read and write stages.</summary>
    public LabelMap PredictImage(ImageVolume image, CaseContext context)
    {
        PreparedCase prepared = Preprocess(image, previousStage: null, ProbabilityOutput.None, context);
        PredictedCase predicted = RunNetwork(prepared, context);
        return TakeLabels(predicted, context);
    }

    /// <summary>As <see cref="PredictImage"/>, with nnU-Net's probabilities in memory beside the label map.</summary>
    public PredictionWithProbabilities PredictImageWithProbabilities(ImageVolume image, CaseContext context)
    {
        PreparedCase prepared = Preprocess(image, previousStage: null, ProbabilityOutput.Memory, context);
        PredictedCase predicted = RunNetwork(prepared, context);
        using (predicted)
        {
            VolumeBuffer<float>? probabilities = null;
            LabelMap labels = Export(predicted, context, p => probabilities = ProbabilityWriter.Compute(p.Logits!, p.Plan));
            return new PredictionWithProbabilities(labels, probabilities!);
        }
    }

    /// <summary>The read stage, then <see cref="Preprocess"/>.</summary>
    public PreparedCase Prepare(IReadOnlyList<string> channelFiles, string? previousStageFile, ProbabilityOutput probabilities, CaseContext context)
    {
        context.StartStage(SegStage.Read);
        long start = Stopwatch.GetTimestamp();
        ImageVolume image = model.Reader.ReadImage(channelFiles);
        VolumeBuffer<short>? previous;
        try
        {
            // The file flows write the segmentation: one nnU-Net cannot write is refused before any work.
            image.Geometry.EnsureWritable();
            previous = previousStageFile is null ? null : model.Reader.ReadPreviousStage(previousStageFile);
        }
        catch
        {
            image.Dispose();
            throw;
        }

        using (previous)
        {
            context.Timings.Read = Stopwatch.GetElapsedTime(start).TotalSeconds;
            context.EndStage(SegStage.Read);
            try
            {
                return Preprocess(image, previous, probabilities, context);
            }
            catch (SegEngineException e) when (!e.Message.Contains(channelFiles[0], StringComparison.Ordinal))
            {
                // Preprocessing knows shapes and spacings, not files: the user needs to know which input they came from.
                throw new SegEngineException(e.Code, $"{channelFiles[0]}: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// The preprocess stage: takes over <paramref name="image"/>'s voxels (it keeps its metadata) and refuses the case
    /// first when its memory plan cannot fit the budget.
    /// </summary>
    public PreparedCase Preprocess(ImageVolume image, VolumeBuffer<short>? previousStage, ProbabilityOutput probabilities, CaseContext context)
    {
        try
        {
            context.StartStage(SegStage.Preprocess);
            long start = Stopwatch.GetTimestamp();
            VolumeBuffer<float> data = image.DetachData();
            CaseMemoryPlanner.CheckBudget(model, data, image.Spacing, probabilities);
            PreprocessedCase preprocessed = model.Reader.Preprocess(data, image, previousStage);
            try
            {
                if (context.WantsWarnings)
                {
                    CaseWarnings.CheckSpacing(model.Folder, preprocessed.Properties, context);
                }

                ExportPlan plan = CaseExportPlan.Create(model.Folder, preprocessed.Properties, preprocessed.Data.Shape);
                context.Timings.Preprocess = Stopwatch.GetElapsedTime(start).TotalSeconds;
                context.EndStage(SegStage.Preprocess);
                return new PreparedCase(image, preprocessed, plan, keepLogits: probabilities != ProbabilityOutput.None);
            }
            catch
            {
                preprocessed.Dispose();
                throw;
            }
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The network stage: the sliding window with the export fused into it, or, when probabilities are wanted, the whole
    /// fp16 logits for a later export. Releases the preprocessed volume, whatever happens.
    /// </summary>
    public PredictedCase RunNetwork(PreparedCase prepared, CaseContext context)
    {
        LabelMap? labels = null;
        VolumeBuffer<Half>? logits = null;
        string? propertiesJson = null;
        double exportSeconds = 0;
        TimeSpan networkBefore = model.NetworkTime;
        long start;
        using (prepared)
        {
            context.StartStage(SegStage.Predict);
            start = Stopwatch.GetTimestamp();
            if (prepared.KeepLogits)
            {
                propertiesJson = prepared.Preprocessed.Properties.WriteJson();
                using var collector = new LogitVolumeSink();
                RunSlidingWindow(prepared.Preprocessed.Data, collector, context);
                logits = collector.TakeVolume();
            }
            else
            {
                using var exporter = new SegmentationExporter(prepared.Plan);
                var timed = new TimedSink(exporter);
                RunSlidingWindow(prepared.Preprocessed.Data, timed, context);

                // The export ran slab by slab inside the sliding window; its own stage is only the hand-over of the labels.
                context.StartStage(SegStage.Export);
                labels = exporter.DetachLabels();
                context.EndStage(SegStage.Export);
                exportSeconds = timed.Seconds;
            }
        }

        CaseTimings timings = context.Timings;
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        timings.Network = (model.NetworkTime - networkBefore).TotalSeconds;
        timings.Export += exportSeconds;
        timings.Aggregation = Math.Max(0, elapsed - timings.Network - exportSeconds);

        // The image holds only metadata now (its voxels went to preprocessing), so both stages may refer to it.
        return new PredictedCase(prepared.Image, prepared.Plan, labels, logits, propertiesJson);
    }

    /// <summary>The export and write stages (taking <paramref name="predicted"/> over): the label map written atomically, and the probabilities when asked.</summary>
    public void Finish(PredictedCase predicted, string outputFile, string? probabilitiesFile, CaseContext context)
    {
        using (predicted)
        {
            using LabelMap labels = Export(predicted, context, probabilitiesFile is null ? null : p => ProbabilityWriter.Write(
                probabilitiesFile, p.Logits!, p.Plan, p.PropertiesJson!, PropertiesFile.Beside(probabilitiesFile, p.Image.Geometry.ReaderName)));
            context.StartStage(SegStage.Write);
            long start = Stopwatch.GetTimestamp();
            model.Reader.ReaderWriter.WriteSegmentation(outputFile, labels, predicted.Image.Geometry);
            context.Timings.Write = Stopwatch.GetElapsedTime(start).TotalSeconds;
            context.EndStage(SegStage.Write);
        }
    }

    /// <summary>The export stage in memory (taking <paramref name="predicted"/> over): the label map, which the caller disposes.</summary>
    public LabelMap TakeLabels(PredictedCase predicted, CaseContext context)
    {
        using (predicted)
        {
            return Export(predicted, context);
        }
    }

    /// <summary>
    /// The label map, exported here from the logits unless the network stage already fused it; then
    /// <paramref name="probabilities"/> (the <c>.npz</c> or the in-memory volume) from the logits, when asked.
    /// </summary>
    private static LabelMap Export(PredictedCase predicted, CaseContext context, Action<PredictedCase>? probabilities = null)
    {
        long start = Stopwatch.GetTimestamp();
        LabelMap? fused = predicted.TakeLabels();
        if (fused is null)
        {
            context.StartStage(SegStage.Export);
        }

        LabelMap labels = fused ?? SegmentationExport.Export(predicted.Logits!, predicted.Plan);
        try
        {
            if (context.WantsWarnings)
            {
                CaseWarnings.CheckNotEmpty(labels, context);
            }

            probabilities?.Invoke(predicted);
        }
        catch
        {
            labels.Dispose();
            throw;
        }

        context.Timings.Export += Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (fused is null)
        {
            context.EndStage(SegStage.Export);
        }

        return labels;
    }

    private void RunSlidingWindow(VolumeBuffer<float> preprocessed, ILogitSlabSink sink, CaseContext context)
    {
        IProgress<double>? tiles = context.StageFraction(SegStage.Predict);
        lock (networkLock)
        {
            model.Predictor.Predict(preprocessed, model.Folds, sink, tiles, context.CancellationToken);
        }
    }
}
