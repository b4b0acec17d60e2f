using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolarGrid.Routing;
using PolarGrid.Tests.Gateway;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>
/// A real gateway in front of a real inference server: its <c>traffic</c> health check counts requests, failures and
/// time to first token, and the control plane turns those counters, and the <c>models</c> check, into its table.
/// </summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class GatewayTrafficTests(PostgresFixture postgres)
{
    [Fact]
    public async Task The_gateways_counters_and_models_reach_the_routing_table()
    {
        // Its own gateway and inference server: this test stops the inference server.
        var gateway = new GatewayFixture();
        await gateway.InitializeAsync();
        try
        {
            var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", gateway.Address)])
            {
                MetricsWindow = TimeSpan.FromMinutes(5),
            };
            await using var replica = await ControlPlaneReplica.StartAsync(settings);
            var collected = await Poll.UntilAsync(replica.TableAsync,
                table => table.Nodes.Single().State == RoutedNode.Healthy, "the gateway collected");
            var models = collected.Nodes.Single().Models;
            Assert.Contains(new RoutedModel(GatewayFixture.Chat, "chat", "ready"), models);
            Assert.Contains(new RoutedModel(GatewayFixture.Embeddings, "embeddings", "ready"), models);

            using var http = gateway.Http(gateway.Token());
            var before = await TrafficAsync(gateway);
            for (var i = 0; i < 3; i++)
            {
                using var chat = await http.PostAsJsonAsync("/v1/chat/completions",
                    new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 4, stream = i == 0 });
                Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
                await chat.Content.ReadAsStringAsync();
            }
            using (var embeddings = await http.PostAsJsonAsync("/v1/embeddings", new { model = GatewayFixture.Embeddings, input = "hello" }))
            using (var unknown = await http.PostAsJsonAsync("/v1/embeddings", new { model = "nope", input = "hello" }))
            {
                Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode); // The client's mistake, not a node failure.
            }

            // A hundred client mistakes: each a 4xx, none of them the node's failure, so no router is told to avoid it.
            string[] mistakes =
            [
                """{"model": "tiny_llama", "messages": [{"role": "user", "content": "\ud800"}]}""",
                """{"model": "tiny_llama", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2147483647}""",
                """{"model": "tiny_llama", "messages": [{"role": "system", "content": "You are terse."}]}""",
                """{"model": "tiny_llama", "messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}}""",
                """{"model": "tiny_llama", "messages": [{"role": "user", "content": "hi"}], "tools": "garbage"}""",
                """{"model": "tiny_llama", "messages": [""",
                """{"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}""",
            ];
            for (var i = 0; i < 100; i++)
            {
                var path = i % 10 == 9 ? "/v1/embeddings" : "/v1/chat/completions";
                var body = i % 10 == 9 ? """{"model": "minilm", "input": "\udfff"}""" : mistakes[i % mistakes.Length];
                using var mistake = await http.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
                Assert.True((int)mistake.StatusCode is >= 400 and < 500, $"{body}: {mistake.StatusCode}");
            }

            var after = await TrafficAsync(gateway);
            Assert.Equal(before.StartedAt, after.StartedAt);
            Assert.Equal(before.Requests + 105, after.Requests);
            Assert.Equal(before.Errors, after.Errors);
            Assert.Equal(before.TtftCount + 3, after.TtftCount);
            Assert.Equal(after.TtftCount, after.BucketCounts.Sum());
            Assert.True(after.TtftSumMs > before.TtftSumMs);

            var busy = await Poll.UntilAsync(replica.TableAsync,
                table => table.Nodes.Single().Metrics is { RequestRate: > 0, TimeToFirstTokenP50Ms: > 0 }, "metrics from the traffic check");
            Assert.Equal(0, busy.Nodes.Single().Metrics.ErrorRate);

            // Triton goes away: the next chat is a 503 and counts as an error; the node is down, and says why.
            await gateway.Server.StopAsync();
            using (var failed = await http.PostAsJsonAsync("/v1/chat/completions",
                new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 4 }))
            {
                Assert.True((int)failed.StatusCode >= 500, $"expected a 5xx, got {failed.StatusCode}");
            }
            var failing = await TrafficAsync(gateway);
            Assert.Equal(after.Requests + 1, failing.Requests);
            Assert.Equal(after.Errors + 1, failing.Errors);

            var down = await Poll.UntilAsync(replica.TableAsync, table => table.Nodes.Single().State == RoutedNode.Down, "the node down");
            Assert.Equal(NoMetrics, down.Nodes.Single().Metrics);
            var node = await replica.Http.GetFromJsonAsync<JsonElement>("/v1/nodes/yvr");
            Assert.Contains("triton unhealthy", node.GetProperty("status").GetProperty("reason").GetString());
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    private static readonly NodeMetrics NoMetrics = new(null, null, null);

    private sealed record Traffic(DateTimeOffset StartedAt, long Requests, long Errors, long TtftCount, double TtftSumMs, long[] BucketCounts);

    private static async Task<Traffic> TrafficAsync(GatewayFixture gateway)
    {
        using var http = gateway.Http(token: null);
        using var response = await http.GetAsync("/health");
        var data = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checks").GetProperty("traffic").GetProperty("data");
        return new Traffic(
            data.GetProperty("started_at").GetDateTimeOffset(),
            data.GetProperty("requests").GetInt64(),
            data.GetProperty("errors").GetInt64(),
            data.GetProperty("ttft_count").GetInt64(),
            data.GetProperty("ttft_sum_ms").GetDouble(),
            [.. data.GetProperty("ttft_bucket_counts").EnumerateArray().Select(count => count.GetInt64())]);
    }
}
