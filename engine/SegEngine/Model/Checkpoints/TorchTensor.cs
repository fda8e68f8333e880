namespace SegEngine.Model.Checkpoints;

/// <summary>
/// A tensor as a <c>torch.save</c> pickle describes it: a strided view (offset, shape, strides, in elements) into a
/// storage of the archive. Only the description is checked here; the bytes are read by <see cref="TorchStorageReader"/>.
/// </summary>
/// <remarks>
/// Built from the call <c>torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
/// backward_hooks[, metadata])</c>, possibly wrapped in <c>torch._utils._rebuild_parameter(tensor, requires_grad,
/// backward_hooks)</c>. nnunet-parity.md §1.4.
/// </remarks>
internal sealed record TorchTensor(PickleStorage Storage, TorchElementType ElementType, long StorageOffset, long[] Shape, long[] Strides)
{
    private const string RebuildTensor = "torch._utils._rebuild_tensor_v2";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";
    private const int MaxRank = 8;

    public long ElementCount => Shape.Aggregate(1L, (product, size) => product * size);

    /// <summary>One past the last storage element the view reads (the offset when the tensor is empty).</summary>
    public long StorageEnd { get; private init; }

    /// <summary>The strides are those of a C-ordered array of <see cref="Shape"/>, so the view is one run of storage.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int axis = Shape.Length - 1; axis >= 0; axis--)
            {
                if (Shape[axis] != 1 && Strides[axis] != expected)
                {
                    return false;
                }

                expected *= Shape[axis];
            }

            return true;
        }
    }

    /// <summary>
    /// Reads a tensor description from an unpickled value. Anything else (another global, a malformed argument, a view
    /// reaching past its storage) is an <see cref="SegErrorCode.InvalidModel"/> error that starts with <paramref name="where"/>.
    /// </summary>
    /// <param name="value">The unpickled value.</param>
    /// <param name="where">Names the file and key, e.g. <c>fold_0/checkpoint_final.pth: network_weights.encoder.stem.convs.0.conv.weight</c>.</param>
    public static TorchTensor FromPickle(object? value, string where)
    {
        if (value is not PickleCall call)
        {
            throw Invalid(where, $"is {PickleValues.Describe(value)}, not a tensor");
        }

        switch (call.CallableName)
        {
            case RebuildParameter when call.Arguments.Count == 3:
                return FromPickle(call.Arguments[0], where);
            case RebuildTensor when call.Arguments.Count is 6 or 7:
                return FromRebuildArguments(call.Arguments, where);
            case RebuildParameter or RebuildTensor:
                throw Invalid(where, $"{call.CallableName} has {call.Arguments.Count} arguments");
            default:
                throw Invalid(where, $"is built by the unknown global {call.CallableName ?? PickleValues.Describe(call.Callable)}, not by {RebuildTensor}");
        }
    }

    private static TorchTensor FromRebuildArguments(PickleTuple arguments, string where)
    {
        if (arguments[0] is not PickleStorage storage)
        {
            throw Invalid(where, $"the storage argument is {PickleValues.Describe(arguments[0])}, not a persistent storage id");
        }

        TorchElementType type = TorchElementType.FromStorageClass(storage.StorageType)
            ?? throw Invalid(where, $"has the unknown storage type {storage.StorageType}");
        if (arguments[1] is not long offset || offset < 0)
        {
            throw Invalid(where, $"storage_offset is {PickleValues.Describe(arguments[1])}, not a non-negative int");
        }

        long[] shape = ReadSizes(arguments[2], "size", where);
        long[] strides = ReadSizes(arguments[3], "stride", where);
        if (strides.Length != shape.Length)
        {
            throw Invalid(where, $"has {shape.Length} sizes but {strides.Length} strides");
        }

        long end = offset;
        long count = 1;
        try
        {
            long last = 0;
            for (int axis = 0; axis < shape.Length; axis++)
            {
                count = checked(count * shape[axis]);
                if (shape[axis] > 0)
                {
                    last = checked(last + checked((shape[axis] - 1) * strides[axis]));
                }
            }

            end = count == 0 ? offset : checked(offset + last + 1);
        }
        catch (OverflowException)
        {
            throw Invalid(where, $"size [{string.Join(", ", shape)}] with stride [{string.Join(", ", strides)}] overflows");
        }

        if (end > storage.ElementCount)
        {
            throw Invalid(
                where,
                $"reads storage elements up to {end}, but storage '{storage.Key}' holds {storage.ElementCount} (offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", strides)}])");
        }

        return new TorchTensor(storage, type, offset, shape, strides) { StorageEnd = end };
    }

    private static long[] ReadSizes(object? value, string name, string where)
    {
        if (value is not PickleTuple tuple || tuple.Count > MaxRank)
        {
            throw Invalid(where, $"{name} is {PickleValues.Describe(value)}, not a tuple of at most {MaxRank} ints");
        }

        long[] sizes = new long[tuple.Count];
        for (int i = 0; i < sizes.Length; i++)
        {
            sizes[i] = tuple[i] is long size && size >= 0
                ? size
                : throw Invalid(where, $"{name}[{i}] is {PickleValues.Describe(tuple[i])}, not a non-negative int");
        }

        return sizes;
    }

    private static SegEngineException Invalid(string where, string problem) => new(SegErrorCode.InvalidModel, $"{where}: {problem}");
}
