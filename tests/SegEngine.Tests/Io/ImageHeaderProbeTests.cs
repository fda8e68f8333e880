using SegEngine.Inference;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Io;

/// <summary>
/// The batch planner's header probe (<see cref="IImageReaderWriter.ProbeHeader"/>) against the readers themselves: for
/// every fixture a reader reads, the probe gives the very shape and spacing the read produces, in every format.
/// </summary>
public sealed class ImageHeaderProbeTests
{
    /// <summary>Reader, fixture folder (under tests/fixtures) and the file names to take there.</summary>
    public static TheoryData<string, string, string> Corpora() => new()
    {
        { NibabelIO.ReaderName, "io/inputs", "*.nii*" },
        { NibabelIO.ReaderName, "reorient/inputs", "*.nii" },
        { NibabelIOWithReorient.ReaderName, "reorient/inputs", "*.nii" },
        { NibabelIOWithReorient.ReaderName, "e2e17/inputs/reorient", "*.nii.gz" },
        { NibabelIOWithReorient.ReaderName, "io/inputs", "*.nii*" },
        { SimpleItkIO.ReaderName, "io/inputs", "*.nii*" },
        { SimpleItkIO.ReaderName, "itk/inputs", "*.mha" },
        { SimpleItkIO.ReaderName, "itk/inputs", "*.mhd" },
        { SimpleItkIO.ReaderName, "itk/inputs", "*.nrrd" },
        { SimpleItkIO.ReaderName, "itk/inputs", "*.nhdr" },
        { SimpleItkIO.ReaderName, "itk/inputs", "*.gipl" },
        { NaturalImage2DIO.ReaderName, "natural/inputs", "*.png" },
        { NaturalImage2DIO.ReaderName, "natural/inputs", "*.bmp" },
        { NaturalImage2DIO.ReaderName, "natural/inputs", "*.tif" },
        { NaturalImage2DIO.ReaderName, "e2e17/inputs/png", "*.png" },
        { Tiff3DIO.ReaderName, "natural/inputs", "vol_*.tif" },
        { Tiff3DIO.ReaderName, "e2e17/inputs/tiff", "*.tif" },
    };

    [Theory]
    [MemberData(nameof(Corpora))]
    public void TheProbeGivesTheShapeAndSpacingTheReaderProduces(string reader, string folder, string pattern)
    {
        IImageReaderWriter io = ImageReaderWriters.Create(reader);
        int read = 0;
        foreach (string file in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, folder), pattern).Order(StringComparer.Ordinal))
        {
            ImageVolume volume;
            try
            {
                volume = io.Read([file]);
            }
            catch (SegEngineException)
            {
                // Files this reader refuses are the corruption tests' business; the read stage reports them.
                continue;
            }

            using (volume)
            {
                ImageHeader header = io.ProbeHeader(file);
                Assert.True(volume.Data.Shape == header.Shape, $"{file}: read {volume.Data.Shape}, probed {header.Shape}");
                Assert.Equal(volume.Spacing, header.Spacing);
                read++;
            }
        }

        Assert.True(read > 0, $"no file in {folder} matching {pattern} is read by {reader}");
    }

    /// <summary>
    /// The planner plans a reoriented NIfTI in RAS order and a TIFF volume at all (it used to read NIfTI headers only): the
    /// shape it admits is the one the model's reader produces.
    /// </summary>
    [Theory]
    [InlineData("NibabelIOWithReorient", ".nii.gz", "e2e17/inputs/reorient/case_103_0000.nii.gz")]
    [InlineData("Tiff3DIO", ".tif", "e2e17/inputs/tiff/case_001_0000.tif")]
    public void TheBatchPlanUsesTheReadersShape(string reader, string ending, string input)
    {
        string modelFolder = ModelFixtures.CopySample("3d_fullres");
        ModelFixtures.EditJson(Path.Combine(modelFolder, "plans.json"), p => p["image_reader_writer"] = reader);
        ModelFixtures.EditJson(Path.Combine(modelFolder, "dataset.json"), d => d["file_ending"] = ending);
        using SegModel model = SegModel.Load(modelFolder, new SegModelOptions { Inference = new InferenceOptions { Device = InferenceDevice.Cpu } });
        string file = Path.Combine(TestPaths.Fixtures, input);
        var item = new BatchCase("case", [file], Path.Combine(TestPaths.NewTempFolder(), "case" + ending), null, null);

        CaseAdmission admission = CaseAdmission.Create(model, item, BatchMemoryBudget.Resolve(model.Inference, unlimited: true));

        using ImageVolume volume = model.ReadImage([file]);
        Assert.Equal(volume.Data.Shape, admission.Image);
        Assert.NotNull(admission.Plan);
        Assert.Null(admission.Refusal);
    }
}
