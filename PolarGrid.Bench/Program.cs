using PolarGrid.Bench;

// On-demand benchmarks; results go into the issue notes, never into pass/fail tests.
var name = args.FirstOrDefault() ?? "help";
switch (name)
{
    case "minilm":
        await MiniLmOverheadBenchmark.RunAsync(iterations: Argument(args, 1, 2000));
        break;
    case "generation":
        await GenerationThroughputBenchmark.RunAsync(tokens: Argument(args, 1, 1000), runs: Argument(args, 2, 5));
        break;
    case "gateway":
        await GatewayBenchmark.RunAsync(concurrency: Argument(args, 1, 64), requestsPerClient: Argument(args, 2, 20), streams: Argument(args, 3, 200),
            gatewayExecutable: args.Length > 4 ? Path.GetFullPath(args[4]) : null);
        break;
    case "abuse-memory":
        await AbuseMemoryBenchmark.RunAsync(hugePrompts: Argument(args, 1, 20), burst: Argument(args, 2, 105),
            gatewayExecutable: args.Length > 3 ? Path.GetFullPath(args[3]) : null);
        break;
    case "hub":
        await HubDownloadBenchmark.RunAsync(megabytes: Argument(args, 1, 1024), rounds: Argument(args, 2, 3));
        break;
    case "router":
        await RouterBenchmark.RunAsync(selections: Argument(args, 1, 1_000_000), requests: Argument(args, 2, 5000));
        break;
    case "colo-kill":
        await ColoKillBenchmark.RunAsync(rate: Argument(args, 1, 200), secondsBefore: Argument(args, 2, 10), secondsAfter: Argument(args, 3, 10),
            request: args.Length > 4 ? args[4] : "chat");
        break;
    case "deploy":
        await DeploymentBenchmark.RunAsync(runs: Argument(args, 1, 5));
        break;
    default:
        Console.WriteLine("usage: dotnet run -c Release --project PolarGrid.Bench -- <benchmark> [arguments]");
        Console.WriteLine("  minilm [iterations]          MiniLM ModelInfer over gRPC vs the bare ONNX Runtime call");
        Console.WriteLine("  generation [tokens] [runs]   streamed generation over gRPC vs the in-process genai loop");
        Console.WriteLine("  gateway [clients] [requests] [streams] [gateway executable]   gateway tax, TTFT, throughput and memory vs direct gRPC");
        Console.WriteLine("                               (executable: a published gateway, e.g. the native one from dotnet publish -r linux-x64)");
        Console.WriteLine("  abuse-memory [huge prompts] [burst] [gateway executable]   gateway memory through 900 KB prompts and a dropped stream burst, and after");
        Console.WriteLine("  router [selections] [requests]   node selection among 100 nodes, and the router's added latency per request");
        Console.WriteLine("  colo-kill [req/s] [s before] [s after] [chat|models]   the real local fleet under load through the router, nearest colo's gateway killed");
        Console.WriteLine("  deploy [runs]                API call to ready for the tiny LLM on a node of real processes");
        Console.WriteLine("  hub [megabytes] [rounds]     HubClient verified download vs a plain HttpClient GET of one LFS file, and memory");
        break;
}

static int Argument(string[] args, int index, int fallback) =>
    args.Length > index && int.TryParse(args[index], out var value) ? value : fallback;
