using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatOptions = Microsoft.Extensions.AI.ChatOptions;

namespace PolarGrid.Tests.Gateway;

/// <summary>The gateway through the official OpenAI .NET SDK and Microsoft.Extensions.AI, against a real server.</summary>
[Collection(GatewayCollection.Name)]
public sealed class OpenAIApiTests(GatewayFixture fixture)
{
    private static readonly ChatCompletionOptions Greedy = new() { MaxOutputTokenCount = 20, Temperature = 0 };

    [Fact]
    public async Task Lists_the_models_the_node_serves()
    {
        var models = (await fixture.OpenAI(fixture.Token()).GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Contains(models, model => model.Id == GatewayFixture.Chat);
        Assert.Contains(models, model => model.Id == GatewayFixture.Embeddings);

        var one = (await fixture.OpenAI(fixture.Token()).GetOpenAIModelClient().GetModelAsync(GatewayFixture.Chat)).Value;
        Assert.Equal(GatewayFixture.Chat, one.Id);
    }

    [Fact]
    public async Task Chat_completion_returns_text_and_usage()
    {
        var chat = fixture.OpenAI(fixture.Token()).GetChatClient(GatewayFixture.Chat);
        ChatCompletion completion = await chat.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")], Greedy);

        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.NotEmpty(completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(20, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 5);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streamed_chat_concatenates_to_the_same_text_and_reports_usage_last()
    {
        var chat = fixture.OpenAI(fixture.Token()).GetChatClient(GatewayFixture.Chat);
        var whole = (await chat.CompleteChatAsync([new UserChatMessage("Tell me a story")], Greedy)).Value;

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story")], Greedy))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.True(updates > 3);
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(20, usage.OutputTokenCount);
    }

    [Fact]
    public async Task Sse_stream_has_the_openai_framing()
    {
        using var http = fixture.Http(fixture.Token());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = GatewayFixture.Chat,
                messages = new[] { new { role = "user", content = "Hi" } },
                max_tokens = 5,
                temperature = 0,
                stream = true,
                stream_options = new { include_usage = true },
                some_future_field = new { ignored = true },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = (await response.Content.ReadAsStringAsync())
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(line => Assert.IsType<string>(line.StartsWith("data: ", StringComparison.Ordinal) ? line[6..] : null))
            .ToList();
        Assert.Equal("[DONE]", events[^1]);

        var chunks = events.SkipLast(1).Select(data => JsonDocument.Parse(data).RootElement).ToList();
        Assert.All(chunks, chunk => Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(chunk => chunk.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(5, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_through_the_sdk_give_the_documented_similarity()
    {
        var client = fixture.OpenAI(fixture.Token()).GetEmbeddingClient(GatewayFixture.Embeddings);
        var result = (await client.GenerateEmbeddingsAsync(["A man is eating food.", "A man is eating a piece of bread."])).Value;

        var first = result[0].ToFloats().ToArray();
        var second = result[1].ToFloats().ToArray();
        Assert.Equal(384, first.Length);
        Assert.Equal(0.7553, first.Zip(second, (a, b) => a * b).Sum(), precision: 3);
        Assert.True(result.Usage.InputTokenCount > 10);
    }

    [Fact]
    public async Task Float_and_base64_embeddings_agree()
    {
        using var http = fixture.Http(fixture.Token());
        var asFloats = await http.PostAsJsonAsync("/v1/embeddings", new { model = GatewayFixture.Embeddings, input = "hello world", encoding_format = "float" });
        var asBase64 = await http.PostAsJsonAsync("/v1/embeddings", new { model = GatewayFixture.Embeddings, input = new[] { "hello world" }, encoding_format = "base64" });

        var floats = (await asFloats.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data")[0].GetProperty("embedding")
            .EnumerateArray().Select(value => value.GetSingle()).ToArray();
        var bytes = Convert.FromBase64String((await asBase64.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(floats, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    [Fact]
    public async Task Microsoft_Extensions_AI_chat_client_works_over_the_gateway()
    {
        IChatClient client = fixture.OpenAI(fixture.Token()).GetChatClient(GatewayFixture.Chat).AsIChatClient();
        var options = new ChatOptions { MaxOutputTokens = 12, Temperature = 0 };

        var response = await client.GetResponseAsync("Hello", options);
        Assert.NotEmpty(response.Text);
        Assert.Equal(12, response.Usage?.OutputTokenCount);

        var streamed = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync("Hello", options))
        {
            streamed.Append(update.Text);
        }
        Assert.Equal(response.Text, streamed.ToString());
    }

    [Fact]
    public async Task Health_is_anonymous_and_reports_triton_and_each_model()
    {
        using var http = fixture.Http(token: null);
        var health = await http.GetFromJsonAsync<JsonElement>("/health");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var checks = health.GetProperty("checks");
        Assert.Equal("test-triton", checks.GetProperty("triton").GetProperty("data").GetProperty("server").GetString());
        var models = checks.GetProperty("models").GetProperty("data");
        Assert.Equal("ready", models.GetProperty(GatewayFixture.Chat).GetProperty("state").GetString());
        Assert.Equal("ready", models.GetProperty(GatewayFixture.Embeddings).GetProperty("state").GetString());
    }
}
