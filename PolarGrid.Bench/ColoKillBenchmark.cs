using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PolarGrid.Client;
using PolarGrid.Client.Nodes;
using PolarGrid.Testing;

namespace PolarGrid.Bench;

/// <summary>
/// A colo lost under steady load, on the real local fleet (processes mode, started here as the fleet tests start it):
/// an open-loop stream of short chat completions through the client router, then the nearest colo's gateway is killed
/// (SIGKILL, no graceful shutdown) mid-run. Reports failures before the first byte, p50/p99 per second around the
/// kill, when the router ejected the colo and when p99 was back to normal.
/// </summary>
public static class ColoKillBenchmark
{
    private const string Model = "bench-chat";
    private const string Victim = "yvr";
    private static readonly string[] Colos = ["yvr", "yyz", "yul"];

    public static async Task RunAsync(int rate, int secondsBefore, int secondsAfter, string request = "chat")
    {
        using var dataRoot = new ScratchDirectory("polargrid-bench-fleet");
        await using var app = await StartFleetAsync(dataRoot.Path);
        var token = (await File.ReadAllTextAsync(Path.Combine(dataRoot.Path, "auth", "token"))).Trim();

        await Task.WhenAll(Colos.Select(colo => LoadAsync(app, colo, token)));
        using var router = await StartRouterAsync(app, dataRoot.Path, token);
        var registry = router.Services.GetRequiredService<NodeRegistry>();
        await UntilAsync(() => registry.Nodes.Count == Colos.Length && registry.Nodes.All(node => node.Serves(Model) && node.LastProbe is not null), TimeSpan.FromSeconds(60));
        var http = router.Services.GetRequiredService<IHttpClientFactory>().CreateClient(RouterDefaults.HttpClientName);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // `chat`: a one-token chat (the model computes on the same 2 cores as everything else); `models`: GET /v1/models,
        // routed the same way (selection, ejection, retries) but cheap enough for this VM to sustain a high rate.
        Func<HttpClient, Task<HttpResponseMessage>> send = request == "models"
            ? http => http.GetAsync("v1/models")
            : http => http.PostAsJsonAsync("v1/chat/completions", new { model = Model, messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 1 });
        Console.WriteLine(request == "models"
            ? $"colo kill: {rate} req/s open loop, GET /v1/models through the router; {Victim} killed after {secondsBefore} s, {secondsAfter} s more"
            : $"colo kill: {rate} req/s open loop, chat '{Model}' (max_tokens 1) through the router; {Victim} killed after {secondsBefore} s, {secondsAfter} s more");
        await DriveAsync(http, send, rate, TimeSpan.FromSeconds(3), null); // warm-up: connections, JIT, EWMA

        var victimPid = GatewayPid(app, Victim);
        var killAt = TimeSpan.FromSeconds(secondsBefore);
        TimeSpan? ejectedAfter = null;
        var results = await DriveAsync(http, send, rate, killAt + TimeSpan.FromSeconds(secondsAfter), async clock =>
        {
            await Task.Delay(killAt);
            var killedAt = clock.Elapsed;
            using (var process = Process.GetProcessById(victimPid))
            {
                // The whole tree: whatever launcher the orchestrator used, the gateway itself must die.
                process.Kill(entireProcessTree: true);
            }
            var victim = registry.Nodes.Single(node => node.Colo == Victim);
            while (!victim.IsEjected && clock.Elapsed < killedAt + TimeSpan.FromSeconds(30))
            {
                await Task.Delay(5);
            }
            ejectedAfter = victim.IsEjected ? clock.Elapsed - killedAt : null;
            return killedAt;
        });

        Report(results.Samples, results.KillAt!.Value, ejectedAfter, rate, killAt + TimeSpan.FromSeconds(secondsAfter));
    }

    private sealed record Sample(TimeSpan Start, TimeSpan Latency, string? Colo, bool FailedBeforeFirstByte, bool FailedAfterFirstByte);

    private sealed record RunResults(IReadOnlyList<Sample> Samples, TimeSpan? KillAt);

    /// <summary>
    /// Open loop: request <c>i</c> is sent at <c>i / rate</c> whether or not earlier ones have answered, so a slow
    /// node shows up as latency rather than as a lower rate. <paramref name="fault"/> runs beside it on the same clock.
    /// </summary>
    private static async Task<RunResults> DriveAsync(HttpClient http, Func<HttpClient, Task<HttpResponseMessage>> send, int rate, TimeSpan duration, Func<Stopwatch, Task<TimeSpan>>? fault)
    {
        var samples = new ConcurrentBag<Sample>();
        var inFlight = new List<Task>();
        var clock = Stopwatch.StartNew();
        var faultTask = fault?.Invoke(clock);
        var total = (int)(duration.TotalSeconds * rate);
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            inFlight.Add(SendOneAsync(http, send, clock, samples));
        }
        await Task.WhenAll(inFlight);
        return new RunResults([.. samples], faultTask is null ? null : await faultTask);
    }

    private static async Task SendOneAsync(HttpClient http, Func<HttpClient, Task<HttpResponseMessage>> send, Stopwatch clock, ConcurrentBag<Sample> samples)
    {
        var start = clock.Elapsed;
        HttpResponseMessage response;
        try
        {
            response = await send(http);
        }
        catch (HttpRequestException)
        {
            samples.Add(new Sample(start, clock.Elapsed - start, null, FailedBeforeFirstByte: true, FailedAfterFirstByte: false));
            return;
        }
        using (response)
        {
            var colo = response.Headers.TryGetValues("x-polargrid-colo", out var values) ? values.FirstOrDefault() : null;
            if (!response.IsSuccessStatusCode)
            {
                samples.Add(new Sample(start, clock.Elapsed - start, colo, FailedBeforeFirstByte: true, FailedAfterFirstByte: false));
                return;
            }
            try
            {
                await response.Content.ReadAsByteArrayAsync();
                samples.Add(new Sample(start, clock.Elapsed - start, colo, false, false));
            }
            catch (Exception error) when (error is HttpRequestException or IOException)
            {
                samples.Add(new Sample(start, clock.Elapsed - start, colo, false, FailedAfterFirstByte: true));
            }
        }
    }

    private static void Report(IReadOnlyList<Sample> samples, TimeSpan killAt, TimeSpan? ejectedAfter, int rate, TimeSpan duration)
    {
        var lastStart = samples.Max(sample => sample.Start);
        Console.WriteLine($"sent {samples.Count} requests in {lastStart.TotalSeconds:F1} s ({samples.Count / lastStart.TotalSeconds:F0} req/s, target {rate})");
        Console.WriteLine($"failures before the first byte: {samples.Count(s => s.FailedBeforeFirstByte)} (target 0); after it: {samples.Count(s => s.FailedAfterFirstByte)}");
        Console.WriteLine($"{Victim} killed at {killAt.TotalSeconds:F2} s; ejected by the router {(ejectedAfter is { } e ? $"{e.TotalMilliseconds:F0} ms" : "never (30 s)")} after the kill");

        // One-second buckets by send time, aligned on the kill: bucket 0 holds requests sent in the first second after it.
        var buckets = samples
            .GroupBy(sample => (int)Math.Floor((sample.Start - killAt).TotalSeconds))
            .OrderBy(group => group.Key)
            .Select(group => (Second: group.Key, Stats: LatencyStats.From([.. group.Select(s => s.Latency)]), Samples: group.ToList()))
            .ToList();
        Console.WriteLine(" second   n  fail   p50 ms   p99 ms   max ms   colos");
        foreach (var (second, stats, group) in buckets)
        {
            var colos = string.Join(" ", group.Where(s => s.Colo is not null).GroupBy(s => s.Colo).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}"));
            Console.WriteLine($"{second,7} {stats.Count,4} {group.Count(s => s.FailedBeforeFirstByte || s.FailedAfterFirstByte),5} {stats.MedianUs / 1000,8:F1} {stats.P99Us / 1000,8:F1} {group.Max(s => s.Latency.TotalMilliseconds),8:F1}   {colos}");
        }

        // Normal: the p99 before the kill, and the p99 the fleet settles at without the colo (the last 3 s).
        var before = LatencyStats.From([.. samples.Where(s => s.Start < killAt).Select(s => s.Latency)]);
        var settled = LatencyStats.From([.. samples.Where(s => s.Start >= duration - TimeSpan.FromSeconds(3)).Select(s => s.Latency)]);
        var normal = Math.Max(before.P99Us, settled.P99Us) * 1.5;
        var after = buckets.Where(bucket => bucket.Second >= 0).ToList();
        var recovered = after.FindIndex(bucket => after.SkipWhile(b => b.Second < bucket.Second).All(b => b.Stats.P99Us <= normal));
        Console.WriteLine($"p99 before the kill {before.P99Us / 1000:F1} ms, settled after it {settled.P99Us / 1000:F1} ms; " +
                          $"normal = ≤ 1.5 × the higher = {normal / 1000:F1} ms");
        Console.WriteLine(recovered < 0
            ? "p99 not back to normal by the end of the run"
            : $"p99 back to normal from second {after[recovered].Second} after the kill: within {after[recovered].Second} s = {after[recovered].Second} probe intervals of 1 s (target ≤ 2)");
    }

    private static async Task<DistributedApplication> StartFleetAsync(string dataRoot)
    {
        string[] args =
        [
            "--PolarGrid:Runtime=processes",
            $"--PolarGrid:DataRoot={dataRoot}",
            "--PolarGrid:Hub:Local=true",
            $"--PolarGrid:Hub:Repositories:polargrid/tiny-random-llama-onnx={TestModels.TinyLlamaDirectory}",
            $"--PolarGrid:ControlPlanePort={FreePort.Next()}",
            .. Colos.Select(colo => $"--PolarGrid:Colos:{colo}:GatewayPort={FreePort.Next()}"),
        ];
        var stopwatch = Stopwatch.StartNew();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.PolarGrid_AppHost>(args);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None));
        foreach (var gateway in builder.Resources.OfType<ProjectResource>().Where(resource => resource.Name.EndsWith("-gateway", StringComparison.Ordinal)))
        {
            // The local token's default tier allows 600 requests a minute per gateway; this load is far above that,
            // and a 429 here would measure the rate limiter, not the router.
            builder.CreateResourceBuilder(gateway)
                .WithEnvironment("RateLimits__Tiers__default__RequestsPerMinute", "10000000")
                .WithEnvironment("RateLimits__Tiers__default__TokensPerMinute", "1000000000");
        }
        var app = await builder.BuildAsync();
        await app.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await Task.WhenAll(Colos.Select(colo => $"{colo}-gateway").Append("controlplane")
            .Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
        Console.WriteLine($"fleet started in {stopwatch.Elapsed.TotalSeconds:F0} s");
        return app;
    }

    private static async Task<IHost> StartRouterAsync(DistributedApplication app, string dataRoot, string token)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{RouterOptions.SectionName}:ControlPlaneUrls:0"] = app.GetEndpoint("controlplane", "http").ToString(),
            [$"{RouterOptions.SectionName}:TrustedKeys:local"] = await File.ReadAllTextAsync(Path.Combine(dataRoot, "controlplane", "routing-public.pem")),
            [$"{RouterOptions.SectionName}:ApiKey"] = token,
            // Defaults otherwise (probe interval 1 s), so the figures are what an app gets out of the box.
        });
        builder.Services.AddPolarGridRouter(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task LoadAsync(DistributedApplication app, string colo, string token)
    {
        using var gateway = app.CreateHttpClient($"{colo}-gateway", "http");
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await gateway.PostAsJsonAsync("/v1/models/load", new { model = "polargrid/tiny-random-llama-onnx", name = Model });
        response.EnsureSuccessStatusCode();
        var job = response.Headers.Location!.OriginalString;
        await UntilAsync(async () =>
        {
            var status = (await gateway.GetFromJsonAsync<System.Text.Json.JsonElement>(job)).GetProperty("status").GetString();
            return status == "ready" || (status == "failed" ? throw new InvalidOperationException($"{Model} failed to load on {colo}") : false);
        }, TimeSpan.FromMinutes(3));
    }

    private static int GatewayPid(DistributedApplication app, string colo)
    {
        if (!app.ResourceNotifications.TryGetCurrentState($"{colo}-gateway", out var current))
        {
            throw new InvalidOperationException($"No state for {colo}-gateway.");
        }
        var pid = current.Snapshot.Properties.FirstOrDefault(property => property.Name == "executable.pid")?.Value;
        return Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task UntilAsync(Func<bool> condition, TimeSpan within) => UntilAsync(() => Task.FromResult(condition()), within);

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not true within {within}.");
            }
            await Task.Delay(200);
        }
    }
}
