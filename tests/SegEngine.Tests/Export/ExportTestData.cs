using System.Text.Json;
using SegEngine.Export;
using SegEngine.Io;
using SegEngine.Model;

namespace SegEngine.Tests.Export;

/// <summary>Builds export plans and random logits for the export tests.</summary>
internal static class ExportTestData
{
    public static readonly ResamplingSpec SampleProbabilities = new(ResamplingSpec.DefaultFunction, false, 1, 0, null);

    /// <summary>The plan nnU-Net's export used for a sample case (plans: identity transposes, target spacing 1 mm).</summary>
    public static (ExportPlan Plan, VolumeBuffer<Half> Logits) Sample(string configuration, string caseId, string logitsFile)
    {
        string folder = TestPaths.SampleIntermediate(configuration, caseId);
        NpyArray array = Npy.Read(Path.Combine(folder, logitsFile));
        var shape = new Shape3((int)array.Shape[1], (int)array.Shape[2], (int)array.Shape[3]);
        var logits = VolumeBuffer<Half>.Allocate((int)array.Shape[0], shape);
        array.As<Half>().CopyTo(logits.Span);

        using JsonDocument properties = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "properties.json")));
        JsonElement root = properties.RootElement;
        double[] spacing = root.GetProperty("spacing").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Shape3 ReadShape(string name) => Shape3.FromArray(root.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).ToArray());
        (int, int)[] bbox = root.GetProperty("bbox_used_for_cropping").EnumerateArray()
            .Select(a => (a[0].GetInt32(), a[1].GetInt32())).ToArray();
        double[] current = configuration == "2d" ? [spacing[0], 1.0, 1.0] : [1.0, 1.0, 1.0];
        var plan = new ExportPlan(
            logits.Channels,
            null,
            SampleProbabilities,
            current,
            spacing,
            shape,
            ReadShape("shape_after_cropping_and_before_resampling"),
            bbox,
            ReadShape("shape_before_cropping"),
            [0, 1, 2]);
        return (plan, logits);
    }

    /// <summary>
    /// A random export problem; every choice comes from <paramref name="random"/>, but for a label problem of
    /// <paramref name="labelClasses"/> classes when given.
    /// </summary>
    public static (ExportPlan Plan, Half[] Logits) Random(Random random, int? labelClasses = null)
    {
        bool regions = labelClasses is null && random.Next(3) == 0;
        int classes = labelClasses ?? (regions ? random.Next(1, 5) : random.Next(2, 6));
        int[]? order = null;
        if (regions)
        {
            int top = random.Next(2) == 0 ? 10 : 400;
            order = Enumerable.Range(0, classes).Select(_ => random.Next(1, top)).ToArray();
        }

        var input = new Shape3(random.Next(1, 8), random.Next(1, 8), random.Next(1, 8));
        Shape3 crop = random.Next(5) == 0 ? input : new Shape3(random.Next(1, 10), random.Next(1, 10), random.Next(1, 10));
        double[] current = RandomSpacing(random);
        double[] newSpacing = RandomSpacing(random);
        bool? force = random.Next(4) switch { 0 => true, 1 => false, _ => null };
        var spec = new ResamplingSpec(ResamplingSpec.DefaultFunction, false, 1, 0, force);

        int[] padBefore = [random.Next(3), random.Next(3), random.Next(3)];
        var full = new Shape3(crop.Z + padBefore[0] + random.Next(3), crop.Y + padBefore[1] + random.Next(3), crop.X + padBefore[2] + random.Next(3));
        (int, int)[] bbox = Enumerable.Range(0, 3).Select(a => (padBefore[a], padBefore[a] + crop[a])).ToArray();
        int[] transpose = [0, 1, 2];
        random.Shuffle(transpose);

        var plan = new ExportPlan(classes, order, spec, current, newSpacing, input, crop, bbox, full, transpose);
        return (plan, RandomLogits(random, classes, input, regions));
    }

    private static double[] RandomSpacing(Random random)
    {
        double[] choices = [0.5, 0.8, 1.0, 1.25, 2.5, 3.0, 5.0];
        double[] spacing = Enumerable.Range(0, 3).Select(_ => choices[random.Next(choices.Length)]).ToArray();
        if (random.Next(3) == 0)
        {
            spacing[random.Next(3)] = 4.0 * spacing.Min() + 0.5;
        }

        return spacing;
    }

    /// <summary>Logits from a mix of regimes: ties, near-ties, huge values, tiny subnormals, plateaus at the channel maxima.</summary>
    public static Half[] RandomLogits(Random random, int classes, Shape3 shape, bool regions)
    {
        long voxels = shape.Voxels;
        var logits = new Half[classes * voxels];
        int regime = random.Next(5);
        Half[] specials = regions
            ? [(Half)0, -(Half)0, Half.Epsilon, -Half.Epsilon, BitConverter.UInt16BitsToHalf(2), (Half)1, (Half)(-1), Half.MaxValue, Half.MinValue]
            : [(Half)0, (Half)1, (Half)1, (Half)2, BitConverter.UInt16BitsToHalf(0x3C01), Half.MaxValue, Half.MinValue, (Half)(-3)];
        for (long i = 0; i < logits.Length; i++)
        {
            logits[i] = regime switch
            {
                0 => specials[random.Next(specials.Length)],
                1 => (Half)(random.NextDouble() * 4 - 2),
                2 => (Half)((random.NextDouble() - 0.5) * Math.Pow(4, random.Next(-6, 8))),
                3 => (Half)(Math.Round(random.NextDouble() * 4) / 4),
                _ => (Half)((random.NextDouble() - 0.3) * 20),
            };
        }

        // Near-ties: a class just one fp16 step above or equal to another.
        if (random.Next(2) == 0 && classes > 1)
        {
            for (long v = 0; v < voxels; v++)
            {
                Half other = logits[v];
                logits[voxels + v] = random.Next(3) switch { 0 => other, 1 when other != Half.MaxValue => Half.BitIncrement(other), 2 when other != Half.MinValue => Half.BitDecrement(other), _ => other };
            }
        }

        // With many classes, more near-ties between random pairs: a class that wins nowhere may still tie the winner.
        for (int pair = 0; classes > 5 && pair < classes; pair++)
        {
            (int from, int to) = (random.Next(classes), random.Next(classes));
            for (long v = 0; v < voxels; v++)
            {
                Half other = logits[(from * voxels) + v];
                logits[(to * voxels) + v] = random.Next(3) switch { 0 => other, 1 when other != Half.MaxValue => Half.BitIncrement(other), _ => logits[(to * voxels) + v] };
            }
        }

        // A plateau at each channel's maximum exercises the clip bounds.
        if (random.Next(2) == 0)
        {
            for (int k = 0; k < classes; k++)
            {
                Span<Half> channel = logits.AsSpan((int)(k * voxels), (int)voxels);
                Half max = channel.ToArray().Max();
                for (int v = 0; v < Math.Min(4, channel.Length); v++)
                {
                    channel[v] = max;
                }
            }
        }

        return logits;
    }

    /// <summary>Runs the streaming exporter with random slab boundaries.</summary>
    public static int[] Fused(ExportPlan plan, Half[] logits, Random slabs)
    {
        using var exporter = new SegmentationExporter(plan);
        Shape3 shape = plan.PreprocessedShape;
        exporter.Begin(plan.HeadCount, shape);
        int plane = shape.Y * shape.X;
        for (int z = 0; z < shape.Z;)
        {
            int count = slabs.Next(1, shape.Z - z + 1);
            var slab = new Half[plan.HeadCount * count * plane];
            for (int k = 0; k < plan.HeadCount; k++)
            {
                logits.AsSpan((int)((k * shape.Voxels) + ((long)z * plane)), count * plane).CopyTo(slab.AsSpan(k * count * plane));
            }

            exporter.Accept(z, count, slab);
            Array.Clear(slab);
            z += count;
        }

        exporter.Complete();
        using LabelMap map = exporter.DetachLabels();
        return map.IsUInt16 ? map.UInt16.ToArray().Select(v => (int)v).ToArray() : map.Bytes.ToArray().Select(v => (int)v).ToArray();
    }
}
