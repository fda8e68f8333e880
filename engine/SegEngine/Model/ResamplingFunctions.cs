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

    /// <summary>
    /// The functions SegEngine implements, each as the spec its defaults make and the kwargs its signature takes
    /// (nnU-Net 2.8.1's). <c>resample_torch_fornnunet</c>'s force_separate_z defaults to None, the SciPy function's to False.
    /// </summary>
    private static readonly (ResamplingSpec Defaults, string[] Arguments)[] Signatures =
    [
        (new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 3, 0, false),
            ["is_seg", "order", "order_z", "force_separate_z", "separate_z_anisotropy_threshold"]),
        (new ResamplingSpec(ResamplingSpec.TorchFunction, false, 1, 0, null),
            ["is_seg", "memefficient_seg_resampling", "force_separate_z", "separate_z_anisotropy_threshold", "num_threads", "device", "mode", "aniso_axis_mode"]),
        (new ResamplingSpec(ResamplingSpec.NoResamplingFunction, false, 0, 0, false), []),
    ];

    /// <summary>The functions SegEngine implements.</summary>
    public static IReadOnlyList<string> Implemented { get; } = [.. Signatures.Select(signature => signature.Defaults.FunctionName)];

    /// <summary>
    /// A <c>resampling_fn_*</c> name and its kwargs. Kwargs of the wrong type or not in the function's signature are
    /// errors (nnU-Net would fail too); values SegEngine does not implement are kept in <see cref="ResamplingSpec.Unsupported"/>.
    /// </summary>
    public static ResamplingSpec Parse(JsonField function, JsonField? kwargs, ResamplingRole role)
    {
        string name = function.AsString();
        var unsupported = new List<string>();
        bool implemented = Implemented.Contains(name);
        ResamplingSpec spec = implemented ? ParseArguments(name, kwargs, unsupported) : new ResamplingSpec(name, false, 0, 0, false);
        if (!implemented)
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

    /// <summary>The kwargs of <paramref name="function"/>, one of <see cref="Implemented"/>, over its defaults.</summary>
    private static ResamplingSpec ParseArguments(string function, JsonField? kwargs, List<string> unsupported)
    {
        (ResamplingSpec spec, string[] arguments) = Signatures.Single(signature => signature.Defaults.FunctionName == function);
        foreach ((string name, JsonField value) in Arguments(kwargs))
        {
            if (!arguments.Contains(name))
            {
                throw value.Error($"is not an argument of {function}");
            }

            switch (name)
            {
                case "is_seg":
                    spec = spec with { IsSeg = value.AsBool() };
                    break;
                case "order":
                    spec = spec with { Order = ParseOrder(value) };
                    break;
                case "order_z":
                    spec = spec with { OrderZ = ParseOrder(value) };
                    break;
                case "force_separate_z":
                    spec = spec with { ForceSeparateZ = value.IsNull ? null : value.AsBool() };
                    break;
                case "memefficient_seg_resampling":
                    spec = spec with { MemoryEfficientSeg = value.AsBool() };
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
            }
        }

        return spec;
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
