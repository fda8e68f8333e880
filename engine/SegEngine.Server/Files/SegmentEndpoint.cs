using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using SegEngine.Io;
using SegEngine.Pipeline;
using SegEngine.Pipeline.Batch;
using SegEngine.Server.Hosting;
using SegEngine.Server.Observability;
using SegEngine.Server.Oip;

namespace SegEngine.Server.Files;

/// <summary>
/// <c>POST /v1/models/{name}/segment</c>: a case's image files in (multipart, one part per channel in channel order, in
/// the model's file ending, either NIfTI form for a NIfTI model, and for a Tiff3DIO model its <c>.json</c> spacing file
/// too), the segmentation file out, the same bytes <c>segengine predict</c> writes for that case. The uploads are kept
/// under server-chosen names in a private folder for the request's life; no client text becomes a path, and messages
/// name the client's file names, never the server's.
/// </summary>
internal static class SegmentEndpoint
{
    private const int HeadersLimit = 16 << 10;

    public static void Map(IEndpointRouteBuilder routes, ServingState state) =>
        routes.MapPost("/v1/models/{name}/segment", context => OipHttpEndpoints.Answer(context, state, "segment", (model, trace, token) => SegmentAsync(context, state, model, trace, token)));

    /// <summary>The case name the uploads are stored under.</summary>
    private const string UploadCase = "upload";

    /// <summary>
    /// The endings an uploaded channel file may have: the model's own, which predict reads, and for a NIfTI model both
    /// NIfTI forms, which its reader reads alike; the stored file keeps the one it has.
    /// </summary>
    private static string[] AcceptedEndings(ServedModel model)
    {
        string own = model.Model.FileEnding;
        return own.Equals(".nii.gz", StringComparison.OrdinalIgnoreCase) || own.Equals(".nii", StringComparison.OrdinalIgnoreCase) ? [".nii.gz", ".nii"] : [own];
    }

    /// <summary>The server's name for channel <paramref name="index"/> of the upload: <c>{case}_XXXX{ending}</c>, as predict names channels.</summary>
    private static string ChannelFile(UploadFolder uploads, int index, string ending) => Path.Combine(uploads.Path, $"{UploadCase}_{index:D4}{ending}");

    private static async Task SaveAsync(Stream body, string file, CancellationToken token)
    {
        await using var target = new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await body.CopyToAsync(target, token).ConfigureAwait(false);
    }

    private static async Task SegmentAsync(HttpContext context, ServingState state, ServedModel model, RequestTrace trace, CancellationToken token)
    {
        string? boundary = context.Request.ContentType is { } type && MediaTypeHeaderValue.TryParse(type, out MediaTypeHeaderValue? media)
            && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(media.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            throw RequestFailure.BadRequest("the request must be multipart/form-data with one image file per channel (curl -F image=@case_0000.nii.gz)");
        }

        using var uploads = new UploadFolder();
        var names = new UploadNames(uploads.Path);
        var files = new List<string>();
        await trace.TimeAsync("decode", async () =>
        {
            var reader = new MultipartReader(boundary, context.Request.Body) { HeadersLengthLimit = HeadersLimit };
            while (await reader.ReadNextSectionAsync(token).ConfigureAwait(false) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition) || !disposition.IsFileDisposition())
                {
                    continue;
                }

                string clientName = Path.GetFileName(HeaderUtilities.RemoveQuotes(disposition.FileName.HasValue ? disposition.FileName : disposition.FileNameStar).Value ?? "");
                if (model.Model.ReaderWriter.Name == Tiff3DIO.ReaderName && clientName.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                {
                    // Stored where Tiff3DIO looks for it beside the first channel, as predict finds it in the input folder.
                    string spacingFile = Tiff3DIO.SpacingFileOf(ChannelFile(uploads, 0, model.Model.FileEnding));
                    await SaveAsync(section.Body, spacingFile, token).ConfigureAwait(false);
                    names.Add(spacingFile, clientName);
                    continue;
                }

                if (files.Count == model.Channels)
                {
                    throw RequestFailure.BadRequest($"more than {model.Channels} image file(s) uploaded; model '{model.Name}' takes {model.Channels} channel(s) ({string.Join(", ", model.Model.ChannelNames)})");
                }

                string[] endings = AcceptedEndings(model);
                string ending = endings.FirstOrDefault(e => clientName.EndsWith(e, StringComparison.OrdinalIgnoreCase))
                    ?? throw RequestFailure.BadRequest($"'{RequestFailure.Quote(clientName)}' is not a {string.Join(" or ", endings)} file");
                string file = ChannelFile(uploads, files.Count, ending);
                await SaveAsync(section.Body, file, token).ConfigureAwait(false);
                names.Add(file, clientName);
                files.Add(file);
            }
        }).ConfigureAwait(false);

        if (files.Count != model.Channels)
        {
            throw RequestFailure.BadRequest($"{files.Count} image file(s) uploaded; model '{model.Name}' takes {model.Channels} channel(s) ({string.Join(", ", model.Model.ChannelNames)}), one file each in that order");
        }

        string output = Path.Combine(uploads.Path, "segmentation" + model.Model.FileEnding);
        try
        {
            var item = new BatchCase(UploadCase, files, output, ProbabilitiesFile: null, PreviousStageFile: null);
            CaseAdmission admission = CaseAdmission.Create(model.Model, item, state.Budget);
            if (admission.Refusal is { } refusal)
            {
                throw refusal;
            }

            long needed = admission.Plan is { } plan ? state.Budget.Needed(plan) : 0;
            using IDisposable lease = await state.Gate.EnterAsync(needed, token).ConfigureAwait(false);
            CaseTimings timings = await PredictionThread.RunAsync(() => model.Model.PredictFile(files, output, null, null, progress: null, token)).ConfigureAwait(false);
            trace.AddEngineTimings(timings);
        }
        catch (SegEngineException e)
        {
            // The engine names the files it read: the client knows them by its own names.
            throw new SegEngineException(e.Code, names.Rewrite(e.Message), e);
        }

        await trace.TimeAsync("encode", async () =>
        {
            context.Response.ContentType = model.Model.FileEnding.EndsWith(".gz", StringComparison.Ordinal) ? "application/gzip" : "application/octet-stream";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"segmentation{model.Model.FileEnding}\"";
            context.Response.ContentLength = new FileInfo(output).Length;
            await context.Response.SendFileAsync(output, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
