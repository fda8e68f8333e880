using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using SegEngine.Export;
using SegEngine.Inference;
using SegEngine.Pipeline;

namespace SegEngine.Native;

/// <summary>
/// The model functions of <c>segengine.h</c>. Each export checks its pointers, leases its handle, calls
/// <see cref="SegModel"/> and turns any exception into a status with the message kept for <c>seg_last_error</c>.
/// </summary>
internal static unsafe class ModelExports
{
    private static readonly Dictionary<string, string> OptionNames = new()
    {
        [nameof(InferenceOptions.Threads)] = "threads",
        [nameof(InferenceOptions.StepSize)] = "step_size",
        [nameof(InferenceOptions.MemoryBudgetGb)] = "memory_budget_gb",
    };

    [UnmanagedCallersOnly(EntryPoint = "seg_model_open")]
    public static int Open(nint* handle, byte* modelDirectory, NativeOptions* options)
    {
        try
        {
            NativeText.NotNull(handle, "out");
            *handle = 0;
            string directory = NativeText.Read(modelDirectory, "model_dir");
            var warnings = new ConcurrentQueue<string>();
            SegModelOptions settings = ReadOptions(options, warnings.Enqueue);
            SegModel model = SegModel.Load(directory, settings);
            *handle = ModelHandles.Add(new OpenedModel(model, warnings));
            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_free")]
    public static int Free(nint handle)
    {
        try
        {
            if (handle != 0)
            {
                ModelHandles.Free(handle);
            }

            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_get_info")]
    public static int GetInfo(nint handle, NativeModelInfo* info)
    {
        try
        {
            using ModelHandles.Lease lease = ModelHandles.Acquire(handle);
            NativeText.NotNull(info, "out");
            SegModel model = lease.Model.Model;
            *info = new NativeModelInfo
            {
                Device = model.Device == InferenceDevice.Cuda ? NativeDevice.Cuda : NativeDevice.Cpu,
                Channels = model.ChannelNames.Count,
                LabelType = model.LabelBytesPerVoxel,
                Folds = model.Folder.Folds.Count,
            };
            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_warnings")]
    public static int Warnings(nint handle, byte* buffer, nuint capacity, nuint* needed)
    {
        try
        {
            using ModelHandles.Lease lease = ModelHandles.Acquire(handle);
            string warnings = lease.Model.Warnings;
            return NativeText.Write(warnings, buffer, capacity, needed)
                ? NativeStatus.Ok
                : throw new NativeCallException(
                    NativeStatus.BufferTooSmall, $"the warnings need {NativeText.SizeOf(warnings)} bytes; the buffer holds {capacity}");
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_label_size")]
    public static int LabelSize(nint handle, long* shape, nuint* bytes)
    {
        try
        {
            using ModelHandles.Lease lease = ModelHandles.Acquire(handle);
            Shape3 extent = ReadShape(shape, "shape");
            NativeText.NotNull(bytes, "out_bytes");
            *bytes = (nuint)(extent.Voxels * lease.Model.Model.LabelBytesPerVoxel);
            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_plan_memory")]
    public static int PlanMemory(nint handle, long* shape, double* spacing, NativeMemoryPlan* plan)
    {
        try
        {
            using ModelHandles.Lease lease = ModelHandles.Acquire(handle);
            Shape3 extent = ReadShape(shape, "shape");
            double[] zyx = new ReadOnlySpan<double>(NativeText.NotNull(spacing, "spacing"), 3).ToArray();
            NativeText.NotNull(plan, "out");
            if (zyx.Any(s => !double.IsFinite(s) || s <= 0))
            {
                throw new NativeCallException(NativeStatus.InvalidArgument, $"spacing must be three positive finite numbers (z, y, x), got ({string.Join(", ", zyx)})");
            }

            MemoryPlan computed = lease.Model.Model.PlanMemory(extent, zyx);
            *plan = new NativeMemoryPlan
            {
                TotalBytes = (ulong)computed.TotalBytes,
                BatchSize = computed.BatchSize,
                StreamingDepth = computed.StreamingDepth,
            };
            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_predict")]
    public static int Predict(
        nint handle, NativeImage* image, void* labels, nuint labelsSize, nuint* labelsNeeded,
        delegate* unmanaged<int, double, void*, int> progress, void* payload)
    {
        try
        {
            using ModelHandles.Lease lease = ModelHandles.Acquire(handle);
            SegModel model = lease.Model.Model;
            NativeText.NotNull(image, "image");
            if (image->Version is 0 or > NativeImage.CurrentVersion)
            {
                throw new NativeCallException(
                    NativeStatus.InvalidArgument, $"image->version is {image->Version}; this library reads seg_image version {NativeImage.CurrentVersion} (use SEG_IMAGE_INIT)");
            }

            Shape3 shape = ReadShape(image->Shape, "image->shape");
            long labelBytes = shape.Voxels * model.LabelBytesPerVoxel;
            if (labelsNeeded is not null)
            {
                *labelsNeeded = (nuint)labelBytes;
            }

            if (labels is null || labelsSize < (nuint)labelBytes)
            {
                throw new NativeCallException(
                    NativeStatus.BufferTooSmall,
                    $"labels: {shape} labels of {model.LabelBytesPerVoxel} byte(s) need {labelBytes} bytes; the buffer holds {(labels is null ? 0 : labelsSize)}");
            }

            ReadOnlySpan<float> voxels = ReadVoxels(image, shape);
            double[] spacing = new ReadOnlySpan<double>(image->Spacing, 3).ToArray();
            double[]? affine = image->Affine is null ? null : new ReadOnlySpan<double>(image->Affine, 16).ToArray();
            using var cancellation = new CancellationTokenSource();
            IProgress<SegProgress>? reporter = progress is null ? null : new CallbackProgress(progress, payload, cancellation);
            using LabelMap map = model.PredictVoxels(voxels, image->Channels, shape, spacing, affine, reporter, cancellation.Token);
            cancellation.Token.ThrowIfCancellationRequested();
            Span<byte> target = new(labels, (int)labelBytes);
            if (map.IsUInt16)
            {
                MemoryMarshal.AsBytes(map.UInt16).CopyTo(target);
            }
            else
            {
                map.Bytes.CopyTo(target);
            }

            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "seg_model_predict_file")]
    public static int PredictFile(
        nint handle, byte** channelFiles, nuint channelCount, byte* outputFile,
        delegate* unmanaged<int, double, void*, int> progress, void* payload)
    {
        try
        {
            using ModelHandles.Lease lease = ModelHandles.Acquire(handle);
            if (channelFiles is null)
            {
                throw new NativeCallException(NativeStatus.InvalidArgument, "channel_files is NULL");
            }

            if (channelCount == 0 || channelCount > int.MaxValue)
            {
                throw new NativeCallException(NativeStatus.InvalidArgument, $"channel_count is {channelCount}; a case has at least one channel file");
            }

            var files = new string[(int)channelCount];
            for (int c = 0; c < files.Length; c++)
            {
                files[c] = NativeText.Read(channelFiles[c], $"channel_files[{c}]");
            }

            string output = NativeText.Read(outputFile, "output_file");
            using var cancellation = new CancellationTokenSource();
            IProgress<SegProgress>? reporter = progress is null ? null : new CallbackProgress(progress, payload, cancellation);
            lease.Model.Model.PredictFile(files, output, probabilitiesFile: null, previousStageFile: null, reporter, cancellation.Token);
            return NativeStatus.Ok;
        }
        catch (Exception e)
        {
            return LastError.Record(e);
        }
    }

    private static SegModelOptions ReadOptions(NativeOptions* options, Action<string> warning)
    {
        NativeOptions given = options is null ? Defaults : *options;
        if (given.Version is 0 or > NativeOptions.CurrentVersion)
        {
            throw new NativeCallException(
                NativeStatus.InvalidArgument, $"options->version is {given.Version}; this library reads seg_options version {NativeOptions.CurrentVersion} (use SEG_OPTIONS_INIT)");
        }

        InferenceDevice device = given.Device switch
        {
            NativeDevice.Auto => InferenceDevice.Auto,
            NativeDevice.Cpu => InferenceDevice.Cpu,
            NativeDevice.Cuda => InferenceDevice.Cuda,
            _ => throw new NativeCallException(NativeStatus.InvalidArgument, $"options->device is {given.Device}; expected SEG_DEVICE_AUTO (0), SEG_DEVICE_CPU (1) or SEG_DEVICE_CUDA (2)"),
        };
        var inference = new InferenceOptions
        {
            Device = device,
            Threads = given.Threads,
            UseMirroring = given.UseMirroring != 0,
            StepSize = given.StepSize,
            MemoryBudgetGb = given.MemoryBudgetGb,
            Warning = warning,
        };
        if (OptionError.Find(inference) is { } error)
        {
            string field = error.Name is not null && OptionNames.TryGetValue(error.Name, out string? name) ? name : error.Name ?? "?";
            throw new NativeCallException(NativeStatus.InvalidArgument, $"options->{field} is {error.Value}: {error.Reason}");
        }

        string? folds = NativeText.ReadOptional(given.Folds);
        string[]? foldNames = folds?.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (foldNames is { Length: 0 })
        {
            throw new NativeCallException(NativeStatus.InvalidArgument, "options->folds is empty; give fold numbers (\"0,1\") or \"all\", or NULL for every fold");
        }

        return new SegModelOptions { Configuration = NativeText.ReadOptional(given.Configuration), Folds = foldNames, Inference = inference };
    }

    private static NativeOptions Defaults => new()
    {
        Version = NativeOptions.CurrentVersion,
        Device = NativeDevice.Auto,
        UseMirroring = 1,
        StepSize = 0.5,
    };

    private static Shape3 ReadShape(long* shape, string parameter)
    {
        NativeText.NotNull(shape, parameter);
        for (int axis = 0; axis < 3; axis++)
        {
            if (shape[axis] is <= 0 or > int.MaxValue)
            {
                throw new NativeCallException(NativeStatus.InvalidArgument, $"{parameter}[{axis}] is {shape[axis]}; every axis must be in [1, {int.MaxValue}]");
            }
        }

        return new Shape3((int)shape[0], (int)shape[1], (int)shape[2]);
    }

    private static ReadOnlySpan<float> ReadVoxels(NativeImage* image, Shape3 shape)
    {
        if (image->Channels <= 0)
        {
            throw new NativeCallException(NativeStatus.InvalidArgument, $"image->channels is {image->Channels}; it must be positive");
        }

        NativeText.NotNull(image->Data, "image->data");
        long expected = image->Channels * shape.Voxels;
        if (image->DataCount != (nuint)expected)
        {
            throw new NativeCallException(
                NativeStatus.InvalidArgument, $"image->data_count is {image->DataCount}, but {image->Channels} channel(s) of {shape} are {expected} floats");
        }

        if (expected > Array.MaxLength)
        {
            throw new NativeCallException(NativeStatus.Memory, $"an image of {expected} floats exceeds the largest single buffer ({Array.MaxLength})");
        }

        return new ReadOnlySpan<float>(image->Data, (int)expected);
    }
}
