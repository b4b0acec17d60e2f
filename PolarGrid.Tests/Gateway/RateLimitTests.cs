using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolarGrid.Tests.Gateway;

/// <summary>Per-tenant requests and tokens per minute, enforced on the node alone.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RateLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Requests_per_minute_refuse_with_retry_after_and_the_openai_body()
    {
        using var http = fixture.Http(fixture.Token(subject: "tight-tenant", tier: "tight"));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 5; i++)
        {
            var response = await http.PostAsJsonAsync("/v1/chat/completions", Chat(maxTokens: 2));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(refused!.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("requests", error.GetProperty("type").GetString());

        // Another tenant is not affected.
        using var other = fixture.Http(fixture.Token(subject: "other-tenant", tier: "tight"));
        Assert.Equal(HttpStatusCode.OK, (await other.PostAsJsonAsync("/v1/chat/completions", Chat(maxTokens: 2))).StatusCode);
    }

    [Fact]
    public async Task Concurrent_requests_cannot_overshoot_the_token_budget()
    {
        // Budget 600 tokens/min; each request reserves its prompt (~12 tokens) plus 150 completion tokens.
        using var http = fixture.Http(fixture.Token(subject: "budget-concurrent", tier: "budget"));
        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => http.PostAsJsonAsync("/v1/chat/completions", Chat(maxTokens: 150))));

        var admitted = responses.Where(response => response.IsSuccessStatusCode).ToList();
        Assert.Equal(3, admitted.Count); // 3 × ~162 ≤ 600 < 4 × ~162
        var used = 0;
        foreach (var response in admitted)
        {
            used += (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usage").GetProperty("total_tokens").GetInt32();
        }
        Assert.True(used <= 600, $"used {used} tokens of a 600-token budget");

        var refused = responses.First(response => response.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter);
        var tokensError = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("rate_limit_exceeded_tokens", tokensError.GetProperty("code").GetString());
        Assert.Equal("tokens", tokensError.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_cancelled_stream_settles_to_the_tokens_it_used()
    {
        // Budget 2100 tokens/min, refilling 35 a second.
        using var http = fixture.Http(fixture.Token(subject: "budget-cancel", tier: "stream"));

        // Reserve nearly the whole budget (the prompt plus 2030 tokens), read one chunk, walk away. The client closes
        // its connection at once rather than draining the response for reuse, as a browser tab or a killed process does.
        using (var cancel = new CancellationTokenSource())
        using (var leaving = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = fixture.Address })
        {
            leaving.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 2030, temperature = 0, stream = true }),
            };
            using var response = await leaving.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            Assert.StartsWith("data: ", await reader.ReadLineAsync(cancel.Token));
            await cancel.CancelAsync();
        }

        // Once the gateway has settled the reservation, most of the budget is free again; unsettled, a request for
        // 1000 tokens would wait half a minute for the refill.
        HttpStatusCode status = default;
        for (var attempt = 0; attempt < 20 && status != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(100);
            status = (await http.PostAsJsonAsync("/v1/chat/completions", Chat(maxTokens: 1000))).StatusCode;
        }
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static object Chat(int maxTokens) => new
    {
        model = GatewayFixture.Chat,
        messages = new[] { new { role = "user", content = "Hello there" } },
        max_tokens = maxTokens,
        temperature = 0,
    };
}
