using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace PolarGrid.Tests.Gateway;

/// <summary>Every kind of bad request gets the right status and an OpenAI error body, and the gateway keeps serving.</summary>
[Collection(GatewayCollection.Name)]
public sealed class BadInputTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [", 400, "invalid_json", null)]
    [InlineData("[1, 2, 3]", 400, null, null)]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, null, "model")]
    [InlineData("{\"model\": 7, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, null, "model")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": \"hello\"}", 400, null, "messages")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": []}", 400, "empty_array", "messages")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}", 400, null, "messages[0].role")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\"}]}", 400, null, "messages[0].content")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": \"ten\"}", 400, null, "max_tokens")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 0}", 400, null, "max_tokens")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 1000000}", 400, "context_length_exceeded", "messages")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": 3}", 400, null, "temperature")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 2}", 400, null, "n")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stop\": [1]}", 400, null, "stop")]
    [InlineData("{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"stream_options\": {\"include_usage\": true}}", 400, null, "stream_options")]
    [InlineData("{\"model\": \"no-such-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 404, "model_not_found", "model")]
    [InlineData("{\"model\": \"minilm\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", 400, null, "model")]
    public async Task Bad_chat_requests_get_the_right_status_and_error_body(string body, int status, string? code, string? param)
    {
        var error = await Post("/v1/chat/completions", body, status);
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }
        await StillServing();
    }

    [Theory]
    [InlineData("{\"model\": \"minilm\"}", 400, "input")]
    [InlineData("{\"model\": \"minilm\", \"input\": []}", 400, "input")]
    [InlineData("{\"model\": \"minilm\", \"input\": [[1, 2, 3]]}", 400, "input")]
    [InlineData("{\"model\": \"minilm\", \"input\": \"hi\", \"encoding_format\": \"int8\"}", 400, "encoding_format")]
    [InlineData("{\"model\": \"tiny_llama\", \"input\": \"hi\"}", 400, "model")]
    [InlineData("{\"model\": \"nope\", \"input\": \"hi\"}", 404, "model")]
    public async Task Bad_embedding_requests_get_the_right_status(string body, int status, string param)
    {
        var error = await Post("/v1/embeddings", body, status);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_model_triton_cannot_serve_fails_with_a_status_not_a_broken_stream(bool stream)
    {
        var body = JsonSerializer.Serialize(new { model = GatewayFixture.GhostChat, messages = new[] { new { role = "user", content = "hi" } }, stream });
        var error = await Post("/v1/chat/completions", body, 404);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        await StillServing();
    }

    [Fact]
    public async Task A_huge_body_is_refused_with_413()
    {
        var content = "{\"model\": \"tiny_llama\", \"messages\": [{\"role\": \"user\", \"content\": \"" + new string('a', 2 * 1024 * 1024) + "\"}]}";
        var error = await Post("/v1/chat/completions", content, 413);
        Assert.Equal("request_too_large", error.GetProperty("code").GetString());

        // Without a Content-Length (chunked), the limit holds while reading.
        using var http = fixture.Http(fixture.Token());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(content))),
        };
        request.Headers.TransferEncodingChunked = true;
        request.Content.Headers.ContentType = new("application/json");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await StillServing();
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_cancels_upstream_and_the_gateway_keeps_serving()
    {
        using (var cancel = new CancellationTokenSource())
        using (var leaving = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = fixture.Address })
        {
            leaving.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Token());
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 2000, stream = true }),
            };
            using var response = await leaving.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            Assert.StartsWith("data: ", await reader.ReadLineAsync(cancel.Token));
            await cancel.CancelAsync();
        }
        await StillServing();
    }

    [Fact]
    public async Task Unknown_routes_answer_in_the_openai_shape()
    {
        using var http = fixture.Http(fixture.Token());
        using var response = await http.GetAsync("/v1/engines");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("error", out _));
    }

    private async Task<JsonElement> Post(string path, string body, int status)
    {
        using var http = fixture.Http(fixture.Token());
        using var response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _));
        return error;
    }

    private async Task StillServing()
    {
        using var http = fixture.Http(fixture.Token());
        var response = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "ok?" } }, max_tokens = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
