using System.Text.Json;
using System.Text.Json.Nodes;

namespace SegEngine.Perf.Scale;

/// <summary>
/// A plans.json with the ResEnc M <c>3d_fullres</c> layout of nnunet-parity.md §1.5 (patch 96×160×160, CTNormalization, order-3
/// data and order-1 probability resampling, SimpleITKIO) at 0.8 mm isotropic spacing, but a tiny network, so that the
/// network's share of the time stays small and the benchmark measures preprocessing, aggregation and export.
/// </summary>
internal static class TinyResEncPlans
{
    public const string Configuration = "3d_fullres";

    public static readonly int[] PatchSize = [96, 160, 160];

    public const double SpacingMm = 0.8;

    /// <summary>
    /// Two stages of 2 and 4 features, one residual block each, 1×1×1 kernels: every convolution is pointwise, so ORT
    /// time per tile is a few passes over the tile; the K-channel head and everything after it are as in a real model.
    /// </summary>
    public const string NetworkDescription = "ResidualEncoderUNet, 2 stages, features [2, 4], 1 block each, 1x1x1 kernels";

    public static void Write(string path)
    {
        var plans = new JsonObject
        {
            ["dataset_name"] = "Dataset990_ScaleBenchmark",
            ["plans_name"] = "nnUNetResEncUNetMPlans",
            ["original_median_spacing_after_transp"] = Repeat(SpacingMm, 3),
            ["original_median_shape_after_transp"] = Ints(250, 512, 512),
            ["image_reader_writer"] = "SimpleITKIO",
            ["transpose_forward"] = Ints(0, 1, 2),
            ["transpose_backward"] = Ints(0, 1, 2),
            ["configurations"] = new JsonObject { [Configuration] = FullResolution() },
            ["experiment_planner_used"] = "nnUNetPlannerResEncM",
            ["label_manager"] = "LabelManager",

            // The contract's example CT statistics (nnunet-parity.md §1.5); CTNormalization clips to the percentiles and z-scores.
            ["foreground_intensity_properties_per_channel"] = new JsonObject
            {
                ["0"] = new JsonObject
                {
                    ["max"] = 3071.0,
                    ["mean"] = 99.43,
                    ["median"] = 104.0,
                    ["min"] = -1024.0,
                    ["percentile_00_5"] = -958.0,
                    ["percentile_99_5"] = 281.0,
                    ["std"] = 83.21,
                },
            },
        };
        File.WriteAllText(path, plans.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static JsonObject FullResolution() => new()
    {
        ["data_identifier"] = "nnUNetPlans_3d_fullres",
        ["preprocessor_name"] = "DefaultPreprocessor",
        ["batch_size"] = 2,
        ["patch_size"] = Ints(PatchSize),
        ["median_image_size_in_voxels"] = Ints(250, 512, 512),
        ["spacing"] = Repeat(SpacingMm, 3),
        ["normalization_schemes"] = new JsonArray("CTNormalization"),
        ["use_mask_for_norm"] = new JsonArray(false),
        ["resampling_fn_data"] = "resample_data_or_seg_to_shape",
        ["resampling_fn_seg"] = "resample_data_or_seg_to_shape",
        ["resampling_fn_data_kwargs"] = Resampling(isSeg: false, order: 3),
        ["resampling_fn_seg_kwargs"] = Resampling(isSeg: true, order: 1),
        ["resampling_fn_probabilities"] = "resample_data_or_seg_to_shape",
        ["resampling_fn_probabilities_kwargs"] = Resampling(isSeg: false, order: 1),
        ["architecture"] = new JsonObject
        {
            ["network_class_name"] = "dynamic_network_architectures.architectures.unet.ResidualEncoderUNet",
            ["arch_kwargs"] = new JsonObject
            {
                ["n_stages"] = 2,
                ["features_per_stage"] = Ints(2, 4),
                ["conv_op"] = "torch.nn.modules.conv.Conv3d",
                ["kernel_sizes"] = new JsonArray(Ints(1, 1, 1), Ints(1, 1, 1)),
                ["strides"] = new JsonArray(Ints(1, 1, 1), Ints(2, 2, 2)),
                ["n_blocks_per_stage"] = Ints(1, 1),
                ["n_conv_per_stage_decoder"] = Ints(1),
                ["conv_bias"] = true,
                ["norm_op"] = "torch.nn.modules.instancenorm.InstanceNorm3d",
                ["norm_op_kwargs"] = new JsonObject { ["eps"] = 1e-05, ["affine"] = true },
                ["dropout_op"] = null,
                ["dropout_op_kwargs"] = null,
                ["nonlin"] = "torch.nn.LeakyReLU",
                ["nonlin_kwargs"] = new JsonObject { ["inplace"] = true },
            },
            ["_kw_requires_import"] = new JsonArray("conv_op", "norm_op", "dropout_op", "nonlin"),
        },
        ["batch_dice"] = true,
    };

    private static JsonObject Resampling(bool isSeg, int order) => new()
    {
        ["is_seg"] = isSeg,
        ["order"] = order,
        ["order_z"] = 0,
        ["force_separate_z"] = null,
    };

    private static JsonArray Ints(params int[] values) => new([.. values.Select(v => (JsonNode)v)]);

    private static JsonArray Repeat(double value, int count) => new([.. Enumerable.Repeat(value, count).Select(v => (JsonNode)v)]);
}
