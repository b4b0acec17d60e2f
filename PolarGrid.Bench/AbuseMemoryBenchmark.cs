using System.Diagnostics;
using System.Net.Http.Json;

namespace PolarGrid.Bench;

/// <summary>
/// The gateway's memory through a bad-input run and after it: warm idle, then huge prompts (refused for their length
/// after rendering and counting), a burst of streams dropped together, and what the process still holds 0, 30, 60 and
/// 120 s later. What is kept after the abuse is what a small VM pays for the rest of the gateway's life.
/// </summary>
public static class AbuseMemoryBenchmark
{
    public static async Task RunAsync(int hugePrompts, int burst, string? gatewayExecutable)
    {
        await using var node = await BenchNode.StartAsync(gatewayExecutable);
        using var http = node.Gateway.CreateClient(node.Token);
        Console.WriteLine($"Gateway: {gatewayExecutable ?? "PolarGrid.Gateway.dll (JIT)"}");

        using (var warm = await http.PostAsJsonAsync("/v1/chat/completions",
                   new { model = BenchNode.Model, messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 8, stream = true }))
        {
            warm.EnsureSuccessStatusCode();
            await warm.Content.ReadAsStringAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(2));
        Report("idle (warm)", node);

        // ~900 KB of text: rendered and counted, then refused for the model's 2048-token context.
        var huge = string.Join(' ', Enumerable.Repeat("abuse", 900 * 1024 / 6));
        var statuses = new List<int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, hugePrompts), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, cancellationToken) =>
        {
            using var response = await http.PostAsJsonAsync("/v1/chat/completions",
                new { model = BenchNode.Model, messages = new[] { new { role = "user", content = huge } }, max_tokens = 8 }, cancellationToken);
            lock (statuses)
            {
                statuses.Add((int)response.StatusCode);
            }
        });
        Report($"after {hugePrompts} prompts of 900 KB ({string.Join(", ", statuses.CountBy(status => status).Select(group => $"{group.Value}× {group.Key}"))})", node);

        using var cancel = new CancellationTokenSource();
        var streams = Enumerable.Range(0, burst).Select(async i =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
                {
                    Content = JsonContent.Create(new { model = BenchNode.Model, messages = new[] { new { role = "user", content = $"Burst {i}" } }, max_tokens = 1500, stream = true }),
                };
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
                await response.Content.CopyToAsync(Stream.Null, cancel.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or HttpRequestException or IOException)
            {
            }
        }).ToList();
        await Task.Delay(TimeSpan.FromSeconds(3));
        Report($"{burst} streams open", node);
        await cancel.CancelAsync();
        await Task.WhenAll(streams);

        var after = Stopwatch.StartNew();
        foreach (var at in new[] { 0, 30, 60, 120 })
        {
            var wait = TimeSpan.FromSeconds(at) - after.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            Report($"{at,3} s after the abuse", node);
        }
    }

    private static void Report(string when, BenchNode node)
    {
        static string Mb(long bytes) => $"{bytes / 1048576.0,5:F0} MB";
        Console.WriteLine($"  {Mb(node.Gateway.WorkingSetBytes)} working set, {Mb(node.Gateway.PrivateBytes ?? 0)} private — {when}");
    }
}
