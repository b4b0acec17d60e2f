using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PolarGrid.Auth;

namespace PolarGrid.Tests.Gateway;

/// <summary>
/// What an attacker or a clumsy client sends, class by class: JSON, Unicode, numbers, parameters the node cannot
/// honour, auth, names that become paths, HTTP framing and disconnects. Each gets its OpenAI status and error body
/// (naming the field where there is one), none is a 5xx, and the next normal request is served.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class HostileInputTests(GatewayFixture fixture)
{
    private const string Chat = "/v1/chat/completions";
    private const string Embeddings = "/v1/embeddings";
    private const string Load = "/v1/models/load";
    private const string Hi = """[{"role": "user", "content": "hi"}]""";

    /// <summary>Marks a byte that is not UTF-8 in a body below.</summary>
    private const string InvalidByte = "<FF>";

    public static TheoryData<string, string, string, int, string?, string?> Requests => new()
    {
        // JSON
        { "truncated", Chat, """{"model": "tiny_llama", "messages": [""", 400, null, "invalid_json" },
        { "duplicate key", Chat, $$$$"""{"model": "tiny_llama", "model": "minilm", "messages": {{{{Hi}}}}}""", 400, null, "invalid_json" },
        { "duplicate nested key", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "role": "system", "content": "hi"}]}""", 400, null, "invalid_json" },
        { "a string body", Chat, "\"hello\"", 400, null, null },
        { "null body", Chat, "null", 400, null, null },
        { "empty body", Chat, "", 400, null, "invalid_json" },
        { "too deep", Chat, new string('[', 100) + new string(']', 100), 400, null, "invalid_json" },
        { "trailing garbage", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}} trailing""", 400, null, "invalid_json" },
        { "duplicate key (embeddings)", Embeddings, """{"model": "minilm", "input": "a", "input": "b"}""", 400, null, "invalid_json" },
        { "null message", Chat, """{"model": "tiny_llama", "messages": [null]}""", 400, "messages[0]", null },
        { "numeric content", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "content": 42}]}""", 400, "messages[0].content", null },
        { "image part", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}""", 400, "messages[0].content", null },

        // Unicode: a lone surrogate escape or bytes that are not UTF-8, in every string field
        { "lone surrogate content", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "content": "\ud800"}]}""", 400, "messages[0].content", "invalid_encoding" },
        { "lone surrogate model", Chat, $$$$"""{"model": "\udfff", "messages": {{{{Hi}}}}}""", 400, "model", "invalid_encoding" },
        { "lone surrogate role", Chat, """{"model": "tiny_llama", "messages": [{"role": "\ud800", "content": "hi"}]}""", 400, "messages[0].role", "invalid_encoding" },
        { "lone surrogate text part", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "content": [{"type": "text", "text": "\ud800"}]}]}""", 400, "messages[0].content[0].text", "invalid_encoding" },
        { "lone surrogate stop", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "stop": "\ud800"}""", 400, "stop", "invalid_encoding" },
        { "lone surrogate user", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "user": "\ud800"}""", 400, "user", "invalid_encoding" },
        { "reversed pair", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "content": "\udc00\ud800"}]}""", 400, "messages[0].content", "invalid_encoding" },
        { "lone surrogate input", Embeddings, """{"model": "minilm", "input": "\ud800"}""", 400, "input", "invalid_encoding" },
        { "lone surrogate in input list", Embeddings, """{"model": "minilm", "input": ["fine", "\udc00"]}""", 400, "input[1]", "invalid_encoding" },
        { "lone surrogate embedding model", Embeddings, """{"model": "\ud800", "input": "hi"}""", 400, "model", "invalid_encoding" },
        { "invalid UTF-8 content", Chat, $$$$"""{"model": "tiny_llama", "messages": [{"role": "user", "content": "a{{{{InvalidByte}}}}b"}]}""", 400, "messages[0].content", "invalid_encoding" },
        { "invalid UTF-8 input", Embeddings, $$$$"""{"model": "minilm", "input": "{{{{InvalidByte}}}}"}""", 400, "input", "invalid_encoding" },
        { "lone surrogate load model", Load, """{"model": "\ud800/x"}""", 400, "model", "invalid_encoding" },
        { "lone surrogate load name", Load, """{"model": "org/name", "name": "\ud800"}""", 400, "name", "invalid_encoding" },

        // Numbers: every client number is checked before any arithmetic on it
        { "max_tokens int.MaxValue", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_tokens": 2147483647}""", 400, "messages", "context_length_exceeded" },
        { "max_tokens beyond int", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_tokens": 2147483648}""", 400, "max_tokens", null },
        { "max_tokens negative", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_tokens": -1}""", 400, "max_tokens", null },
        { "max_tokens fractional", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_tokens": 1.5}""", 400, "max_tokens", null },
        { "max_completion_tokens huge", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_completion_tokens": 1e30}""", 400, "max_completion_tokens", null },
        { "temperature overflow", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "temperature": 1e400}""", 400, "temperature", null },
        { "temperature negative", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "temperature": -0.1}""", 400, "temperature", null },
        { "top_p zero", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "top_p": 0}""", 400, "top_p", null },
        { "top_p above one", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "top_p": 1.5}""", 400, "top_p", null },
        { "seed beyond int64", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "seed": 9223372036854775808}""", 400, "seed", null },
        { "seed as text", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "seed": "abc"}""", 400, "seed", null },
        { "n zero", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "n": 0}""", 400, "n", null },
        { "presence_penalty out of range", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "presence_penalty": 3}""", 400, "presence_penalty", "invalid_value" },
        { "frequency_penalty out of range", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "frequency_penalty": -2.5}""", 400, "frequency_penalty", "invalid_value" },
        { "top_logprobs out of range", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "logprobs": true, "top_logprobs": 21}""", 400, "top_logprobs", "invalid_value" },
        { "five stop strings", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "stop": ["a", "b", "c", "d", "e"]}""", 400, "stop", null },
        { "a huge stop string", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "stop": "{{{{new string('x', 300)}}}}"}""", 400, "stop", null },

        // Parameters this node cannot honour: refused by name, never silently dropped
        { "tools", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "tools": [{"type": "function", "function": {"name": "f"}}]}""", 400, "tools", "unsupported_parameter" },
        { "tools of the wrong type", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "tools": "garbage"}""", 400, "tools", null },
        { "tool_choice auto", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "tool_choice": "auto"}""", 400, "tool_choice", "unsupported_parameter" },
        { "tool_choice of the wrong type", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "tool_choice": 5}""", 400, "tool_choice", null },
        { "functions", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "functions": [{"name": "f"}]}""", 400, "functions", "unsupported_parameter" },
        { "function_call", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "function_call": {"name": "f"}}""", 400, "function_call", "unsupported_parameter" },
        { "response_format json_object", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "response_format": {"type": "json_object"}}""", 400, "response_format", "unsupported_parameter" },
        { "response_format json_schema", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}""", 400, "response_format", "unsupported_parameter" },
        { "response_format as a string", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "response_format": "bogus"}""", 400, "response_format", null },
        { "response_format of an unknown type", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "response_format": {"type": "bogus"}}""", 400, "response_format.type", "invalid_value" },
        { "logprobs", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "logprobs": true}""", 400, "logprobs", "unsupported_parameter" },
        { "top_logprobs without logprobs", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "top_logprobs": 2}""", 400, "top_logprobs", null },
        { "logit_bias", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "logit_bias": {"50256": -100}}""", 400, "logit_bias", "unsupported_parameter" },
        { "logit_bias of the wrong type", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "logit_bias": "x"}""", 400, "logit_bias", null },
        { "presence_penalty", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "presence_penalty": 0.5}""", 400, "presence_penalty", "unsupported_parameter" },
        { "audio modality", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "modalities": ["text", "audio"]}""", 400, "modalities", "unsupported_parameter" },
        { "audio", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "audio": {"voice": "alloy", "format": "wav"}}""", 400, "audio", "unsupported_parameter" },
        { "prediction", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "prediction": {"type": "content", "content": "x"}}""", 400, "prediction", "unsupported_parameter" },
        { "an assistant's tool calls", Chat, """{"model": "tiny_llama", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "1"}]}]}""", 400, "messages[1].tool_calls", "unsupported_parameter" },
        { "stream of the wrong type", Chat, $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "stream": "yes"}""", 400, "stream", null },
        { "a system message alone", Chat, """{"model": "tiny_llama", "messages": [{"role": "system", "content": "You are terse."}]}""", 400, "messages", null },

        // Names that become paths, and huge names
        { "traversal as a model", Chat, $$$$"""{"model": "../../etc/passwd", "messages": {{{{Hi}}}}}""", 404, "model", "model_not_found" },
        { "traversal as a served name", Load, """{"model": "org/name", "name": "../evil"}""", 400, "name", "invalid_name" },
        { "traversal as a repository", Load, """{"model": "../../x"}""", 400, "model", "invalid_model_id" },
        { "traversal as a subfolder", Load, """{"model": "org/name", "subfolder": "../../x"}""", 400, "subfolder", "invalid_subfolder" },
        { "replace of the wrong type", Load, """{"model": "org/name", "replace": "yes"}""", 400, "replace", null },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task A_hostile_request_gets_its_status_and_an_openai_error_and_the_node_serves_on(
        string name, string path, string body, int status, string? param, string? code)
    {
        using var http = fixture.Http(fixture.Token(scopes: $"{Scopes.Inference} {Scopes.ModelsAdmin}"));
        using var response = await http.PostAsync(path, Json(body));
        var error = await ErrorAsync(response, status, name);
        Assert.Equal(param, error.GetProperty("param").GetString());
        if (code is not null)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
        await StillServingAsync();
    }

    public static TheoryData<string, string> Honoured => new()
    {
        { "tool_choice none", """ "tool_choice": "none" """ },
        { "response_format text", """ "response_format": {"type": "text"} """ },
        { "logprobs false", """ "logprobs": false """ },
        { "zero penalties", """ "presence_penalty": 0, "frequency_penalty": 0 """ },
        { "tools null", """ "tools": null """ },
        { "text modality", """ "modalities": ["text"] """ },
        { "an unknown field", """ "not_an_openai_field": {"deep": [1, 2]} """ },
        { "a 64-bit seed", """ "seed": -9223372036854775808 """ },
    };

    [Theory]
    [MemberData(nameof(Honoured))]
    public async Task A_parameter_that_asks_for_nothing_the_node_cannot_do_is_served(string name, string field)
    {
        using var http = fixture.Http(fixture.Token());
        using var response = await http.PostAsync(Chat, Json($$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_tokens": 2, {{{{field}}}}}"""));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_huge_model_id_is_not_echoed_back_whole()
    {
        var model = new string('m', 100_000);
        using var http = fixture.Http(fixture.Token());
        using var response = await http.PostAsync(Chat, Json($$$$"""{"model": "{{{{model}}}}", "messages": {{{{Hi}}}}}"""));
        var error = await ErrorAsync(response, 404, "huge model id");
        Assert.True(error.GetProperty("message").GetString()!.Length < 1000);
        await StillServingAsync();
    }

    [Fact]
    public async Task A_prompt_far_beyond_the_context_is_refused_by_its_length_before_it_is_tokenized()
    {
        // 2048 tokens × 64 characters at most per token: 900 KB cannot fit, whatever the tokenizer.
        var huge = new string('a', 900 * 1024);
        using var http = fixture.Http(fixture.Token());
        using var response = await http.PostAsync(Chat, Json($$$$"""{"model": "tiny_llama", "messages": [{"role": "user", "content": "{{{{huge}}}}"}]}"""));
        var error = await ErrorAsync(response, 400, "900 KB prompt");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Contains($"{huge.Length} characters", error.GetProperty("message").GetString());
        await StillServingAsync();
    }

    public static TheoryData<string, string, string?, int, string> Tokens => new()
    {
        { "no token", Chat, null, 401, "invalid_api_key" },
        { "garbage token", Chat, "not.a.jwt", 401, "invalid_api_key" },
        { "alg none", Chat, $"{Base64Url("""{"alg":"none","typ":"JWT","kid":"current"}""")}.{Base64Url("""{"sub":"x","exp":9999999999}""")}.", 401, "invalid_api_key" },
        { "inference token on the admin API", Load, "inference", 403, "insufficient_scope" },
    };

    [Theory]
    [MemberData(nameof(Tokens))]
    public async Task A_request_without_a_valid_token_gets_401_or_403_in_the_openai_shape(string name, string path, string? token, int status, string code)
    {
        using var http = fixture.Http(token == "inference" ? fixture.Token() : token);
        using var response = await http.PostAsync(path, Json($$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}}"""));
        var error = await ErrorAsync(response, status, name);
        Assert.Equal(code, error.GetProperty("code").GetString());
        await StillServingAsync();
    }

    public static TheoryData<string, string, int, string?> PathsAndMethods => new()
    {
        { "GET", Chat, 405, "POST" },
        { "PUT", Embeddings, 405, "POST" },
        { "DELETE", Chat, 405, "POST" },
        { "GET", "/v1/models/load/..%2F..%2Fetc%2Fpasswd", 404, null },
        { "DELETE", "/v1/models/..%2F..%2Fetc", 404, null },
        { "GET", "/v1/engines", 404, null },
    };

    [Theory]
    [MemberData(nameof(PathsAndMethods))]
    public async Task Paths_and_methods_no_endpoint_takes_get_404_or_405_with_allow(string method, string path, int status, string? allow)
    {
        using var http = fixture.Http(fixture.Token(scopes: $"{Scopes.Inference} {Scopes.ModelsAdmin}"));
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await ErrorAsync(response, status, $"{method} {path}");
        if (allow is not null)
        {
            Assert.Equal(allow.Split(", ").Order(), response.Content.Headers.Allow.Order());
        }
        await StillServingAsync();
    }

    [Fact]
    public async Task Content_length_with_transfer_encoding_smuggles_nothing_the_connection_closes_after_one_answer()
    {
        // CL.TE: a front end that trusted Content-Length would pass the rest on as the next request.
        var body = $$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}, "max_tokens": 2}""";
        var smuggled = $"GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {fixture.Token()}\r\n\r\n";
        var response = await RawAsync(
            $"POST {Chat} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {fixture.Token()}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n{Encoding.UTF8.GetByteCount(body):x}\r\n{body}\r\n0\r\n\r\n{smuggled}");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(response, "^HTTP/1\\.1 ", System.Text.RegularExpressions.RegexOptions.Multiline));
        Assert.Contains("Connection: close", response, StringComparison.OrdinalIgnoreCase);
        await StillServingAsync();
    }

    public static TheoryData<string, string, int> Unparseable => new()
    {
        { "a request line that is not HTTP", "GARBAGE\r\n\r\n", 400 },
        { "a header without a colon", "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nno colon here\r\n\r\n", 400 },
        { "a URL over the limit", $"GET /{new string('a', 10_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n", 414 },
        { "headers over the limit", $"GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: {new string('a', 40_000)}\r\n\r\n", 431 },
        { "an HTTP version Kestrel does not speak", "GET /v1/models HTTP/1.2\r\nHost: localhost\r\n\r\n", 505 },
    };

    [Theory]
    [MemberData(nameof(Unparseable))]
    public async Task Kestrels_own_rejections_carry_an_openai_error_body(string name, string request, int status)
    {
        var response = await RawAsync(request);
        Assert.True(response.StartsWith($"HTTP/1.1 {status} ", StringComparison.Ordinal), $"{name}: {response}");
        var (head, body) = (response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)], response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        Assert.Contains("Content-Type: application/json", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount(body)}", head, StringComparison.OrdinalIgnoreCase);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _));
        await StillServingAsync();
    }

    [Fact]
    public async Task A_client_that_never_finishes_its_headers_is_disconnected()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fixture.Address.Host, fixture.Address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {Chat} HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
        // Kestrel's RequestHeadersTimeout is 10 s; the read ends when the server closes the connection.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        while (await stream.ReadAsync(buffer, patience.Token) > 0)
        {
        }
        await StillServingAsync();
    }

    [Fact]
    public async Task A_compressed_body_is_refused_with_415_and_says_why()
    {
        using var http = fixture.Http(fixture.Token());
        var content = new ByteArrayContent(GZip($$$$"""{"model": "tiny_llama", "messages": {{{{Hi}}}}}"""));
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        using var response = await http.PostAsync(Chat, content);
        var error = await ErrorAsync(response, 415, "gzip");
        Assert.Contains("uncompressed", error.GetProperty("message").GetString());
        await StillServingAsync();
    }

    [Fact]
    public async Task A_burst_of_streams_dropped_together_leaves_the_gateway_serving()
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 200, MaxResponseDrainSize = 0 };
        using var leaving = new HttpClient(handler) { BaseAddress = fixture.Address };
        leaving.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Token());
        using var cancel = new CancellationTokenSource();
        var streams = Enumerable.Range(0, 105).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Chat)
            {
                Content = JsonContent.Create(new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = $"Burst {i}" } }, max_tokens = 1000, stream = true }),
            };
            try
            {
                using var response = await leaving.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
                await response.Content.CopyToAsync(Stream.Null, cancel.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }).ToList();
        await Task.Delay(500);
        await cancel.CancelAsync();
        await Task.WhenAll(streams);
        await StillServingAsync();
    }

    [Fact]
    public async Task Clients_that_leave_mid_stream_are_not_counted_as_node_failures()
    {
        var before = await NodeErrorsAsync();
        for (var round = 0; round < 5; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
            {
                // Each client reads its first token and hangs up while the gateway is reading the next from Triton.
                using var leaving = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = fixture.Address };
                leaving.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Token());
                using var request = new HttpRequestMessage(HttpMethod.Post, Chat)
                {
                    Content = JsonContent.Create(new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = $"Leaving {round}.{i}" } }, max_tokens = 1000, stream = true }),
                };
                using var response = await leaving.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                Assert.StartsWith("data: ", await reader.ReadLineAsync());
            }));
        }
        await StillServingAsync();
        Assert.Equal(before, await NodeErrorsAsync());
    }

    private async Task<long> NodeErrorsAsync()
    {
        using var http = fixture.Http(token: null);
        using var response = await http.GetAsync("/health");
        var health = await response.Content.ReadFromJsonAsync<JsonElement>();
        return health.GetProperty("checks").GetProperty("traffic").GetProperty("data").GetProperty("errors").GetInt64();
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status, string name)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode} {text}");
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()), name);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()), name);
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _), name);
        return error;
    }

    private async Task StillServingAsync()
    {
        using var http = fixture.Http(fixture.Token());
        using var response = await http.PostAsJsonAsync(Chat,
            new { model = GatewayFixture.Chat, messages = new[] { new { role = "user", content = "ok?" } }, max_tokens = 2 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static ByteArrayContent Json(string body)
    {
        var parts = body.Split(InvalidByte);
        var bytes = new List<byte>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                bytes.Add(0xFF);
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        var content = new ByteArrayContent([.. bytes]);
        content.Headers.ContentType = new("application/json");
        return content;
    }

    private async Task<string> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(fixture.Address.Host, fixture.Address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadToEndAsync(timeout.Token); // Ends only when the server closes the connection.
    }

    private static byte[] GZip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(text));
        }
        return buffer.ToArray();
    }

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
