using System.Diagnostics;
using System.Net;
using SegEngine.Tests.Cli;

namespace SegEngine.Tests.Serving;

/// <summary><c>segengine serve</c> as a process: it reports its address, becomes ready, and on SIGTERM finishes the request in flight and exits 0.</summary>
public sealed class ServeProcessTests
{
    [Fact]
    public async Task SigtermMidRequestFinishesItAndExitsZero()
    {
        using Process serve = SegEngineProcess.Start(
            new Dictionary<string, string>(),
            "serve", "-m", $"sample={TestPaths.SampleModel("3d_fullres")}", "--port", "0", "--grpc-port", "-1", "-device", "cpu", "--disable_tta", "--shutdown-timeout", "600");
        Task<string> stdout = serve.StandardOutput.ReadToEndAsync();
        try
        {
            Uri address = await ServeProcess.ReadAddressAsync(serve);
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
            await ServingFaultTests.WaitUntilAsync(async () => (await http.GetAsync("/v2/health/ready")).IsSuccessStatusCode, TimeSpan.FromMinutes(2));

            // case_000 takes a second or more, long enough to be signalled in the middle (the metrics poll every 50 ms).
            Task<HttpResponseMessage> request = http.PostAsync("/v1/models/sample/segment", SegmentEndpointTests.Upload(("image", TestPaths.SampleCase("case_000"), "case_000_0000.nii.gz")));
            await ServingFaultTests.WaitUntilAsync(async () => ServingFaultTests.InFlight(await http.GetStringAsync("/metrics")) == 1, TimeSpan.FromMinutes(1));
            using (Process kill = Process.Start("kill", ["-TERM", serve.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using HttpResponseMessage response = await request;
            await serve.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);
            Assert.Equal(0, serve.ExitCode);
            Assert.Contains("\"event\":\"stopped\"", await stdout, StringComparison.Ordinal);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void BadFlagsAreUsageErrors()
    {
        (int exitCode, _, string stderr) = SegEngineProcess.Run("serve", "-m", "no-equals-sign", "--port", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("NAME=MODEL_FOLDER", stderr, StringComparison.Ordinal);
    }
}
