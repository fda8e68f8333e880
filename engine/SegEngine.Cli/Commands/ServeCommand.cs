using System.CommandLine;
using SegEngine.Inference;
using SegEngine.Pipeline;
using SegEngine.Server.Admission;
using SegEngine.Server.Hosting;

namespace SegEngine.Cli.Commands;

/// <summary>
/// <c>segengine serve -m NAME=MODEL [-m ...]</c>: holds the models warm behind the Open Inference Protocol (HTTP and gRPC)
/// and the file endpoint; the server itself is <see cref="SegServer"/>. Exits 0 after a clean SIGTERM.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var models = new Option<string[]>("-m", "--model")
        {
            Description = "NAME=MODEL_FOLDER, once per model (clients address /v2/models/NAME)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var configuration = new Option<string?>("-c", "--configuration") { Description = "Configuration, e.g. 3d_fullres (when a folder holds several)" };
        var folds = new Option<string[]?>("-f", "--folds") { Description = "Folds: integers or 'all' (default: every fold_N folder)", AllowMultipleArgumentsPerToken = true };
        var disableTta = new Option<bool>("--disable_tta", "--disable-tta") { Description = "Turn off mirroring test-time augmentation" };
        var device = new Option<InferenceDevice>("-device", "--device") { Description = "auto, cpu or cuda", DefaultValueFactory = _ => InferenceDevice.Auto };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads on the CPU (0: one per core)" };
        var host = new Option<string>("--host") { Description = "Address to bind (0.0.0.0 for every interface)", DefaultValueFactory = _ => ServeOptions.DefaultHost };
        var port = new Option<int>("--port") { Description = "HTTP/REST port (0: any free port)", DefaultValueFactory = _ => 8000 };
        var grpcPort = new Option<int>("--grpc-port") { Description = "gRPC port (0: any free port, -1: no gRPC)", DefaultValueFactory = _ => 8001 };
        var memoryBudget = new Option<double?>("--memory-budget") { Description = "Memory budget of the requests in flight in GB (default: what the machine can still give; 0: unlimited)" };
        var maxQueue = new Option<int>("--max-queue") { Description = "Requests that may wait for memory; one more is answered 429", DefaultValueFactory = _ => 16 };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Requests predicted at once", DefaultValueFactory = _ => 2 };
        var timeout = new Option<double>("--request-timeout") { Description = "Seconds a request may take, waiting included (504 after)", DefaultValueFactory = _ => 600 };
        var maxBody = new Option<double>("--max-body-mb") { Description = "Largest request body in MiB", DefaultValueFactory = _ => 2048 };
        var shutdown = new Option<double>("--shutdown-timeout") { Description = "Seconds SIGTERM waits for the requests in flight", DefaultValueFactory = _ => 60 };
        var apiKeyFile = new Option<string?>("--api-key-file") { Description = "File holding the bearer token clients must send (Authorization: Bearer KEY)" };

        var command = new Command("serve", "Serve models over the Open Inference Protocol v2 (HTTP and gRPC) and a file endpoint.");
        foreach (Option option in new Option[]
        {
            models, configuration, folds, disableTta, device, threads, host, port, grpcPort, memoryBudget, maxQueue, maxConcurrent, timeout, maxBody, shutdown, apiKeyFile,
        })
        {
            command.Add(option);
        }

        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var inference = new InferenceOptions
            {
                Device = parse.GetValue(device),
                Threads = parse.GetValue(threads),
                UseMirroring = !parse.GetValue(disableTta),
                MemoryBudgetGb = parse.GetValue(memoryBudget) ?? 0,
                Warning = message => Console.Error.WriteLine($"warning: {message}"),
            };
            if (OptionError.Find(inference) is { } error)
            {
                throw new UsageException($"{error.Name} {error.Value}: {error.Reason}");
            }

            var options = new ServeOptions
            {
                Models = [.. parse.GetRequiredValue(models).Select(Spec)],
                ModelOptions = new SegModelOptions
                {
                    Folder = new Model.ModelFolderOptions { Configuration = parse.GetValue(configuration), Folds = parse.GetValue(folds) is { Length: > 0 } f ? f : null },
                    Inference = inference,
                },
                Host = parse.GetRequiredValue(host),
                Port = Positive(parse.GetValue(port), "--port", allowZero: true),
                GrpcPort = parse.GetValue(grpcPort) < 0 ? null : parse.GetValue(grpcPort),
                UnlimitedMemory = parse.GetValue(memoryBudget) == 0,
                MaxQueue = Positive(parse.GetValue(maxQueue), "--max-queue", allowZero: true),
                MaxConcurrent = Positive(parse.GetValue(maxConcurrent), "--max-concurrent", allowZero: false),
                RequestTimeout = TimeSpan.FromSeconds(Positive(parse.GetValue(timeout), "--request-timeout")),
                MaxBodyBytes = (long)(Positive(parse.GetValue(maxBody), "--max-body-mb") * 1048576),
                ShutdownDeadline = TimeSpan.FromSeconds(Positive(parse.GetValue(shutdown), "--shutdown-timeout")),
                ApiKey = parse.GetValue(apiKeyFile) is { } keyFile ? ReadKey(keyFile) : null,
            };
            if (!System.Net.IPAddress.TryParse(options.Host, out _) && options.Host != "localhost")
            {
                throw new UsageException($"--host {options.Host}: give an IP address (127.0.0.1, 0.0.0.0, ::) or localhost");
            }

            // A process-wide allocator setting, so the process that serves makes it, not a host that embeds the server.
            NativeHeaps.LimitArenas();
            SegServer server = SegServer.StartAsync(options).GetAwaiter().GetResult();
            Console.Error.WriteLine($"segengine: serving on {server.HttpAddress}" + (server.GrpcAddress is { } g ? $" (gRPC {g})" : "") + "; loading the models");
            bool clean = server.WaitForShutdownAsync().GetAwaiter().GetResult();
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (!clean && server.Ready.Exception?.GetBaseException() is { } failure)
            {
                Console.Error.WriteLine($"error: {failure.Message}");
            }

            return clean ? CommandRunner.Success : CommandRunner.Failure;
        }));
        return command;
    }

    private static ServedModelSpec Spec(string text)
    {
        try
        {
            return ServedModelSpec.Parse(text);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"-m {e.Message}");
        }
    }

    private static int Positive(int value, string flag, bool allowZero) =>
        value > 0 || (allowZero && value == 0) ? value : throw new UsageException($"{flag} {value}: must be {(allowZero ? "0 or more" : "1 or more")}");

    private static double Positive(double value, string flag) =>
        value > 0 && double.IsFinite(value) ? value : throw new UsageException($"{flag} {value}: must be a positive number");

    private static string ReadKey(string file)
    {
        string key = File.ReadAllText(file).Trim();
        return key.Length > 0 ? key : throw new UsageException($"--api-key-file {file}: the file is empty");
    }
}
