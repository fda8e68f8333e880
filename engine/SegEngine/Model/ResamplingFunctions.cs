namespace SegEngine.Model;

/// <summary>What a resampling function is used for, which decides what SegEngine requires of it.</summary>
internal enum ResamplingRole
{
    Data,
    Segmentation,
    Probabilities,
}

/// <summary>
/// The resampling functions plans.json can name, their kwargs with the defaults of nnU-Net's signatures, and whether
/// SegEngine runs each as configured: the one place that decides "supported", for the loader that refuses and for
/// <c>segengine info</c> that reports.
/// </summary>
/// <remarks>
/// nnU-Net 2.8.1 <c>ConfigurationManager.resampling_fn_*</c> = <c>partial(fn, **kwargs)</c>; the functions are in
/// <c>preprocessing/resampling/</c> (default_resampling.py, resample_torch.py, no_resampling.py); nnunet-parity.md §3.5.
/// </remarks>
internal static class ResamplingFunctions
{
    /// <summary><c>ANISO_THRESHOLD</c>: the only separate-z threshold SegEngine implements.</summary>
    private const double AnisotropyThreshold = 3;

    /// <summary>The functions SegEngine implements.</summary>
    public static IReadOnlyList<string> Implemented { get; } =
        [ResamplingSpec.DefaultFunction, ResamplingSpec.TorchFunction, ResamplingSpec.NoResamplingFunction];

    /// <summary>
    /// A <c>resampling_fn_*</c> name and its kwargs. Kwargs of the wrong type or not in the function's signature are
    /// errors (nnU-Net would fail too); values SegEngine does not implement are kept in <see cref="ResamplingSpec.Unsupported"/>.
    /// </summary>
    public static ResamplingSpec Parse(JsonField function, JsonField? kwargs, ResamplingRole role)
    {
        string name = function.AsString();
        var unsupported = new List<string>();
        ResamplingSpec spec = name switch
        {
            ResamplingSpec.DefaultFunction => ParseDefault(kwargs, unsupported),
            ResamplingSpec.TorchFunction => ParseTorch(kwargs, unsupported),
            ResamplingSpec.NoResamplingFunction => ParseNone(kwargs),
            _ => new ResamplingSpec(name, false, 0, 0, false),
        };

        if (!Implemented.Contains(name))
        {
            unsupported.Add($"SegEngine does not support '{name}' (supported: {string.Join(", ", Implemented)})");
        }
        else if (Problem(spec, role) is string problem)
        {
            unsupported.Add(problem);
        }

        return unsupported.Count == 0
            ? spec
            : spec with { Unsupported = $"{function.File}: {function.Path}: {string.Join("; ", unsupported)}" };
    }

    /// <summary>Why <paramref name="spec"/> cannot serve <paramref name="role"/>, or null when it can.</summary>
    public static string? Problem(ResamplingSpec spec, ResamplingRole role)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.IsNoResampling)
        {
            return null;
        }

        if (spec.IsSeg != (role == ResamplingRole.Segmentation))
        {
            return $"is_seg={(spec.IsSeg ? "True" : "False")} for the {role.ToString().ToLowerInvariant()} resampling is not supported";
        }

        if (spec.IsTorch)
        {
            return null;
        }

        if (spec.FunctionName != ResamplingSpec.DefaultFunction)
        {
            return $"SegEngine does not support '{spec.FunctionName}'";
        }

        if (role == ResamplingRole.Probabilities && (spec.Order != 1 || spec.OrderZ != 0))
        {
            return $"only order 1, order_z 0 is supported for the probabilities, got order {spec.Order} order_z {spec.OrderZ}";
        }

        return spec.Order is 0 or 1 or 3 ? null : $"resampling order {spec.Order} is not supported (0, 1 or 3)";
    }

    private static ResamplingSpec ParseDefault(JsonField? kwargs, List<string> unsupported)
    {
        bool isSeg = false;
        int order = 3;
        int orderZ = 0;
        bool? forceSeparateZ = false;
        foreach ((string name, JsonField value) in Arguments(kwargs))
        {
            switch (name)
            {
                case "is_seg":
                    isSeg = value.AsBool();
                    break;
                case "order":
                    order = ParseOrder(value);
                    break;
                case "order_z":
                    orderZ = ParseOrder(value);
                    break;
                case "force_separate_z":
                    forceSeparateZ = value.IsNull ? null : value.AsBool();
                    break;
                case "separate_z_anisotropy_threshold":
                    CheckThreshold(value, unsupported);
                    break;
                default:
                    throw value.Error($"is not an argument of {ResamplingSpec.DefaultFunction}");
            }
        }

        return new ResamplingSpec(ResamplingSpec.DefaultFunction, isSeg, order, orderZ, forceSeparateZ);
    }

    /// <summary><c>resample_torch_fornnunet</c>'s signature: force_separate_z defaults to None here, unlike the SciPy function.</summary>
    private static ResamplingSpec ParseTorch(JsonField? kwargs, List<string> unsupported)
    {
        bool isSeg = false;
        bool memoryEfficient = false;
        bool? forceSeparateZ = null;
        foreach ((string name, JsonField value) in Arguments(kwargs))
        {
            switch (name)
            {
                case "is_seg":
                    isSeg = value.AsBool();
                    break;
                case "memefficient_seg_resampling":
                    memoryEfficient = value.AsBool();
                    break;
                case "force_separate_z":
                    forceSeparateZ = value.IsNull ? null : value.AsBool();
                    break;
                case "separate_z_anisotropy_threshold":
                    CheckThreshold(value, unsupported);
                    break;
                case "num_threads":
                    // Threads change nothing in torch's per-voxel arithmetic.
                    value.AsInt();
                    break;
                case "device":
                    // nnU-Net resamples on the device named here; SegEngine reproduces torch's CPU kernels.
                    break;
                case "mode":
                    RequireMode(value, "linear", unsupported);
                    break;
                case "aniso_axis_mode":
                    RequireMode(value, "nearest-exact", unsupported);
                    break;
                default:
                    throw value.Error($"is not an argument of {ResamplingSpec.TorchFunction}");
            }
        }

        return new ResamplingSpec(ResamplingSpec.TorchFunction, isSeg, 1, 0, forceSeparateZ) { MemoryEfficientSeg = memoryEfficient };
    }

    private static ResamplingSpec ParseNone(JsonField? kwargs)
    {
        foreach ((_, JsonField value) in Arguments(kwargs))
        {
            throw value.Error($"is not an argument of {ResamplingSpec.NoResamplingFunction}");
        }

        return new ResamplingSpec(ResamplingSpec.NoResamplingFunction, false, 0, 0, false);
    }

    private static IEnumerable<(string Name, JsonField Value)> Arguments(JsonField? kwargs) =>
        kwargs is JsonField field && !field.IsNull ? field.Properties() : [];

    private static void CheckThreshold(JsonField value, List<string> unsupported)
    {
        if (value.AsDouble() != AnisotropyThreshold)
        {
            unsupported.Add($"{value.Path} = {value.Describe()}; SegEngine implements only nnU-Net's default {AnisotropyThreshold}");
        }
    }

    private static void RequireMode(JsonField value, string implemented, List<string> unsupported)
    {
        string mode = value.AsString();
        if (mode != implemented)
        {
            unsupported.Add($"{value.Path} = '{mode}'; SegEngine implements only '{implemented}'");
        }
    }

    private static int ParseOrder(JsonField value)
    {
        int order = value.AsInt();
        return order is >= 0 and <= 5 ? order : throw value.Error($"must be a spline order 0..5, found {order}");
    }
}
