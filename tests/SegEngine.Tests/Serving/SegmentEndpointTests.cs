using System.Net;
using System.Net.Http.Headers;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Server.Hosting;
using SegEngine.Tests.Cli;
using SegEngine.Tests.Model;

namespace SegEngine.Tests.Serving;

/// <summary><c>POST /v1/models/{name}/segment</c>: the uploaded case's segmentation, byte for byte what <c>segengine predict</c> writes.</summary>
public sealed class SegmentEndpointTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task TheSegmentationEqualsPredictsFileByteForByte()
    {
        string input = TestPaths.NewTempFolder();
        string output = TestPaths.NewTempFolder();
        File.Copy(TestPaths.SampleCase("case_003"), Path.Combine(input, "case_003_0000.nii.gz"));
        (int exitCode, _, string stderr) = SegEngineProcess.Run("predict", "-i", input, "-o", output, "-m", TestPaths.SampleModel("3d_fullres"), "--disable_tta", "-device", "cpu");
        Assert.True(exitCode == 0, stderr);

        using HttpResponseMessage response = await server.Http.PostAsync("/v1/models/sample/segment", Upload(("image", TestPaths.SampleCase("case_003"), "case_003_0000.nii.gz")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(output, "case_003.nii.gz")), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task BadUploadsAreFourHundredsNamingTheClientsFileNeverTheServers()
    {
        string folder = TestPaths.NewTempFolder();
        byte[] good = await File.ReadAllBytesAsync(TestPaths.SampleCase("case_003"));
        string truncated = Path.Combine(folder, "truncated.nii.gz");
        await File.WriteAllBytesAsync(truncated, good[..(good.Length / 2)]);
        string garbage = Path.Combine(folder, "garbage.nii.gz");
        await File.WriteAllBytesAsync(garbage, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 31))]);

        using HttpResponseMessage cut = await server.Http.PostAsync("/v1/models/sample/segment", Upload(("image", truncated, "truncated.nii.gz")));
        using HttpResponseMessage junk = await server.Http.PostAsync("/v1/models/sample/segment", Upload(("image", garbage, "garbage.nii.gz")));
        using HttpResponseMessage two = await server.Http.PostAsync("/v1/models/sample/segment", Upload(("image", truncated, "a.nii.gz"), ("image", truncated, "b.nii.gz")));
        using HttpResponseMessage text = await server.Http.PostAsync("/v1/models/sample/segment", Upload(("image", garbage, "notes.txt")));

        foreach ((HttpResponseMessage response, string problem) in new[] { (cut, "truncated.nii.gz"), (junk, "garbage.nii.gz"), (two, "channel"), (text, "not a .nii") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            string error = await OipClient.ReadErrorAsync(response);
            Assert.Contains(problem, error, StringComparison.Ordinal);
            Assert.DoesNotContain(Path.GetTempPath(), error, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Models that read other formats take their own file ending (a Tiff3DIO model also its spacing file), and answer
    /// what predict writes for that case (the e2e17 inputs, made by nnU-Net's own writers).
    /// </summary>
    [Theory]
    [InlineData("2d", NaturalImage2DIO.ReaderName, ".png", "png", "case_000")]
    [InlineData("3d_fullres", Tiff3DIO.ReaderName, ".tif", "tiff", "case_001")]
    public async Task ModelsReadingOtherFormatsTakeTheirOwnFiles(string configuration, string reader, string ending, string inputs, string caseId)
    {
        string modelFolder = ModelFixtures.CopySample(configuration);
        ModelFixtures.EditJson(Path.Combine(modelFolder, "plans.json"), p => p["image_reader_writer"] = reader);
        ModelFixtures.EditJson(Path.Combine(modelFolder, "dataset.json"), d => d["file_ending"] = ending);
        string folder = Path.Combine(TestPaths.Fixtures, "e2e17", "inputs", inputs);
        string image = Path.Combine(folder, caseId + "_0000" + ending);
        string expected = Path.Combine(TestPaths.NewTempFolder(), caseId + ending);
        using (SegModel model = SegModel.Load(modelFolder, ServerFixture.ModelOptions))
        {
            model.PredictFile([image], expected);
        }

        (string, string, string)[] parts = reader == Tiff3DIO.ReaderName
            ? [("image", image, caseId + "_0000" + ending), ("spacing", Path.Combine(folder, caseId + ".json"), caseId + ".json")]
            : [("image", image, caseId + "_0000" + ending)];
        await using SegServer served = await ServerFixture.StartAsync(new ServeOptions
        {
            Models = [new ServedModelSpec("other", modelFolder)],
            ModelOptions = ServerFixture.ModelOptions,
            Port = 0,
            GrpcPort = null,
            Log = TextWriter.Null,
        });
        using var http = new HttpClient { BaseAddress = served.HttpAddress, Timeout = TimeSpan.FromMinutes(2) };
        using HttpResponseMessage response = await http.PostAsync("/v1/models/other/segment", Upload(parts));
        using HttpResponseMessage other = await http.PostAsync("/v1/models/other/segment", Upload(("image", image, "case.txt")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(await File.ReadAllBytesAsync(expected), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Contains($"is not a {ending} file", await OipClient.ReadErrorAsync(other), StringComparison.Ordinal);
    }

    internal static MultipartFormDataContent Upload(params (string Field, string File, string Name)[] parts)
    {
        var form = new MultipartFormDataContent();
        foreach ((string field, string file, string name) in parts)
        {
            var content = new ByteArrayContent(File.ReadAllBytes(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, field, name);
        }

        return form;
    }
}
