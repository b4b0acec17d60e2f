using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Grpc.Core;
using Inference;
using PolarGrid.Auth;
using PolarGrid.Testing;

namespace PolarGrid.Bench;

/// <summary>
/// The gateway's tax: the same chat through the gateway and straight over gRPC to the same inference server, in the
/// same run, at a given concurrency; then time to first token for streams, throughput, and the gateway's memory with
/// many concurrent streams.
/// </summary>
public static class GatewayBenchmark
{
    private const string Model = BenchNode.Model;
    private const int MaxTokens = 8;

    public static async Task RunAsync(int concurrency, int requestsPerClient, int streams, string? gatewayExecutable)
    {
        await using var node = await BenchNode.StartAsync(gatewayExecutable);
        var (server, gateway) = (node.Server, node.Gateway);
        Console.WriteLine($"Gateway: {gatewayExecutable ?? "PolarGrid.Gateway.dll (JIT)"}");
        using var http = gateway.CreateClient(node.Token);

        // The prompt the gateway renders for this chat, sent as-is on the direct path.
        var prompt = "<s>[INST] Hello there, how are you? [/INST]";
        var chat = new
        {
            model = Model,
            messages = new[] { new { role = "user", content = "Hello there, how are you?" } },
            max_tokens = MaxTokens,
            temperature = 0,
        };

        async Task<TimeSpan> ThroughGateway()
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.PostAsJsonAsync("/v1/chat/completions", chat);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            return Stopwatch.GetElapsedTime(start);
        }

        async Task<TimeSpan> Direct()
        {
            var start = Stopwatch.GetTimestamp();
            await foreach (var _ in Generate(server, prompt, stream: false))
            {
            }
            return Stopwatch.GetElapsedTime(start);
        }

        if (requestsPerClient > 0)
        {
            await MeasureLatencyAsync(server, http, chat, prompt, concurrency, requestsPerClient, ThroughGateway, Direct);
        }
        if (streams > 0)
        {
            await MeasureMemoryAsync(gateway, http, streams);
        }
    }

    private static async Task MeasureLatencyAsync(InferenceServerProcess server, HttpClient http, object chat, string prompt,
        int concurrency, int requestsPerClient, Func<Task<TimeSpan>> ThroughGateway, Func<Task<TimeSpan>> Direct)
    {
        await RunClients(concurrency, 5, ThroughGateway);
        await RunClients(concurrency, 5, Direct);

        // Alternating rounds so that both paths see the same machine.
        var viaGateway = new List<TimeSpan>();
        var direct = new List<TimeSpan>();
        TimeSpan gatewayWall = TimeSpan.Zero, directWall = TimeSpan.Zero;
        for (var round = 0; round < 3; round++)
        {
            var (samples, wall) = await RunClients(concurrency, requestsPerClient, Direct);
            direct.AddRange(samples);
            directWall += wall;
            (samples, wall) = await RunClients(concurrency, requestsPerClient, ThroughGateway);
            viaGateway.AddRange(samples);
            gatewayWall += wall;
        }
        var g = LatencyStats.From(viaGateway);
        var d = LatencyStats.From(direct);
        Console.WriteLine($"Non-streamed chat ({MaxTokens} tokens), {concurrency} concurrent clients, {viaGateway.Count} requests per path");
        Console.WriteLine($"  direct gRPC      : {d}");
        Console.WriteLine($"  through gateway  : {g}");
        Console.WriteLine($"  gateway tax      : median {(g.MedianUs - d.MedianUs) / 1000:F2} ms (target ≤ 0.3), p99 {(g.P99Us - d.P99Us) / 1000:F2} ms (target ≤ 1.5)");
        var gatewayRate = viaGateway.Count / gatewayWall.TotalSeconds;
        var directRate = direct.Count / directWall.TotalSeconds;
        Console.WriteLine($"  throughput       : gateway {gatewayRate:F0} req/s, direct {directRate:F0} req/s = {gatewayRate / directRate:P0} (target ≥ 60%)");

        // Time to first token, streamed, a few at a time.
        var ttftGateway = new List<TimeSpan>();
        var ttftDirect = new List<TimeSpan>();
        for (var i = 0; i < 200; i++)
        {
            ttftDirect.Add(await FirstTokenDirect(server, prompt));
            ttftGateway.Add(await FirstTokenThroughGateway(http, chat));
        }
        var tg = LatencyStats.From(ttftGateway);
        var td = LatencyStats.From(ttftDirect);
        Console.WriteLine($"Time to first token, streamed, sequential, {ttftGateway.Count} each");
        Console.WriteLine($"  direct gRPC      : {td}");
        Console.WriteLine($"  through gateway  : {tg}");
        Console.WriteLine($"  added            : median {(tg.MedianUs - td.MedianUs) / 1000:F2} ms (target ≤ 0.5)");

    }

    private static async Task MeasureMemoryAsync(GatewayProcess gateway, HttpClient http, int streams)
    {
        var longChat = new
        {
            model = Model,
            messages = new[] { new { role = "user", content = "Tell me everything." } },
            max_tokens = 1500,
            temperature = 0,
            stream = true,
        };
        async Task StreamAsync(object chat)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(chat) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await response.Content.CopyToAsync(Stream.Null);
        }

        // Idle means started and warm (one stream served), not half-way through start-up.
        await StreamAsync(new { model = Model, messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 8, stream = true });
        var idle = (WorkingSet: gateway.WorkingSetBytes, Private: gateway.PrivateBytes ?? 0);
        var peak = idle;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = (Math.Max(peak.WorkingSet, gateway.WorkingSetBytes), Math.Max(peak.Private, gateway.PrivateBytes ?? 0));
                await Task.Delay(50);
            }
        });
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => StreamAsync(longChat)));
        await sampling.CancelAsync();
        await sampler;
        static string Mb(long bytes) => $"{bytes / 1048576.0:F0} MB";
        Console.WriteLine($"{streams} concurrent streams of 1500 tokens: done in {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
        Console.WriteLine($"  gateway working set: {Mb(idle.WorkingSet)} idle (warm), {Mb(peak.WorkingSet)} peak (target ≤ 150 MB)");
        Console.WriteLine($"  gateway private    : {Mb(idle.Private)} idle (warm), {Mb(peak.Private)} peak (without shared runtime/library file pages)");
    }

    private static async Task<(List<TimeSpan> Samples, TimeSpan Wall)> RunClients(int clients, int requestsPerClient, Func<Task<TimeSpan>> request)
    {
        var samples = new List<TimeSpan>(clients * requestsPerClient);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            var mine = new List<TimeSpan>(requestsPerClient);
            for (var i = 0; i < requestsPerClient; i++)
            {
                mine.Add(await request());
            }
            lock (samples)
            {
                samples.AddRange(mine);
            }
        }));
        return (samples, Stopwatch.GetElapsedTime(start));
    }

    private static async Task<TimeSpan> FirstTokenThroughGateway(HttpClient http, object chat)
    {
        var start = Stopwatch.GetTimestamp();
        var streaming = new Dictionary<string, object>
        {
            ["model"] = Model,
            ["messages"] = new[] { new { role = "user", content = "Hello there, how are you?" } },
            ["max_tokens"] = MaxTokens,
            ["temperature"] = 0,
            ["stream"] = true,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(streaming) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        TimeSpan? first = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            // The first chunk carries only the role; the first token is in the second.
            if (line.StartsWith("data: {", StringComparison.Ordinal) && line.Contains("\"content\":\"", StringComparison.Ordinal) &&
                !line.Contains("\"role\"", StringComparison.Ordinal))
            {
                first ??= Stopwatch.GetElapsedTime(start);
            }
        }
        return first ?? Stopwatch.GetElapsedTime(start);
    }

    private static async Task<TimeSpan> FirstTokenDirect(InferenceServerProcess server, string prompt)
    {
        var start = Stopwatch.GetTimestamp();
        TimeSpan? first = null;
        await foreach (var _ in Generate(server, prompt, stream: true))
        {
            first ??= Stopwatch.GetElapsedTime(start);
        }
        return first ?? Stopwatch.GetElapsedTime(start);
    }

    private static async IAsyncEnumerable<ModelInferResponse> Generate(InferenceServerProcess server, string prompt, bool stream)
    {
        var request = new ModelInferRequest { ModelName = Model, Id = Guid.NewGuid().ToString("N") };
        void Add(string name, string datatype, Google.Protobuf.ByteString raw)
        {
            request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = datatype, Shape = { 1 } });
            request.RawInputContents.Add(raw);
        }
        Add("text_input", "BYTES", Bytes(prompt));
        Add("stream", "BOOL", Google.Protobuf.ByteString.CopyFrom((byte)(stream ? 1 : 0)));
        Add("sampling_parameters", "BYTES", Bytes($$"""{"max_tokens": {{MaxTokens}}, "temperature": 0}"""));
        Add("exclude_input_in_output", "BOOL", Google.Protobuf.ByteString.CopyFrom(1));
        request.Parameters["triton_enable_empty_final_response"] = new InferParameter { BoolParam = true };

        using var call = server.Client.ModelStreamInfer();
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            yield return message.InferResponse;
        }
    }

    private static Google.Protobuf.ByteString Bytes(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        return Google.Protobuf.ByteString.CopyFrom([.. BitConverter.GetBytes((uint)utf8.Length), .. utf8]);
    }
}
