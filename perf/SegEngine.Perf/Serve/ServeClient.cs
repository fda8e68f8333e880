using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using SegEngine.Io;

namespace SegEngine.Perf.Serve;

/// <summary>What the benchmark sends to and reads from a running <c>segengine serve</c>: binary OIP requests and its metrics.</summary>
internal static partial class ServeClient
{
    /// <summary>A case as an OIP v2 request body with the binary tensor extension: the JSON header, then the FP32 voxels.</summary>
    public static (byte[] Body, int HeaderLength) BinaryRequest(string caseFile)
    {
        using ImageVolume image = ImageReaderWriters.Create(NibabelIO.ReaderName).Read([caseFile]);
        byte[] data = MemoryMarshal.AsBytes(image.Data.Span).ToArray();
        string spacing = string.Join(",", image.Spacing.Select(s => s.ToString("R", CultureInfo.InvariantCulture)));
        string header = string.Create(CultureInfo.InvariantCulture,
            $"{{\"parameters\":{{\"spacing\":\"{spacing}\"}},\"inputs\":[{{\"name\":\"image\",\"datatype\":\"FP32\",\"shape\":[{image.Data.Channels},{image.Data.Shape.Z},{image.Data.Shape.Y},{image.Data.Shape.X}],\"parameters\":{{\"binary_data_size\":{data.Length}}}}}],\"outputs\":[{{\"name\":\"labels\",\"parameters\":{{\"binary_data\":true}}}}]}}");
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        return ([.. headerBytes, .. data], headerBytes.Length);
    }

    public static HttpContent Content(byte[] body, int headerLength)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.Add("Inference-Header-Content-Length", headerLength.ToString(CultureInfo.InvariantCulture));
        return content;
    }

    /// <summary>Sum of <c>segengine_stage_seconds</c> per stage, and the request count, from a <c>/metrics</c> scrape.</summary>
    public static (Dictionary<string, double> StageSums, double Requests) StageTotals(string metrics)
    {
        var sums = new Dictionary<string, double>();
        foreach (Match match in StageSum().Matches(metrics))
        {
            sums[match.Groups[1].Value] = sums.GetValueOrDefault(match.Groups[1].Value) + double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        double requests = RequestCount().Matches(metrics).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        return (sums, requests);
    }

    [GeneratedRegex(@"^segengine_stage_seconds_sum\{model=""[^""]*"",stage=""(\w+)""\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex StageSum();

    [GeneratedRegex(@"^segengine_request_seconds_count\{model=""[^""]*"",endpoint=""infer""\} (\S+)", RegexOptions.Multiline)]
    private static partial Regex RequestCount();
}
