using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI.Chat;
using PolarGrid.Auth;
using PolarGrid.Testing;
using PolarGrid.Tests.Deployment;

namespace PolarGrid.Tests.Native;

/// <summary>The natively compiled gateway does what the JIT-run one does on every path a node uses.</summary>
[Collection(NativeGatewayCollection.Name)]
public sealed class NativeGatewayTests(NativeGatewayFixture fixture)
{
    private const string Chat = "native-chat";
    private const string Embeddings = "native-minilm";
    private static readonly ChatCompletionOptions Greedy = new() { MaxOutputTokenCount = 12, Temperature = 0 };

    [Fact]
    public async Task Loads_the_tiny_llm_from_the_Hub_and_serves_chat_streamed_and_whole()
    {
        var job = await fixture.LoadAsync(DeploymentFixture.TinyLlama, Chat);
        Assert.Equal("ready", job.GetProperty("status").GetString());

        var chat = fixture.OpenAI().GetChatClient(Chat);
        ChatCompletion whole = await chat.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")], Greedy);
        Assert.Equal(12, whole.Usage.OutputTokenCount);
        Assert.True(whole.Usage.InputTokenCount > 5);
        Assert.NotEmpty(whole.Content[0].Text);

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")], Greedy))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }
            usage ??= update.Usage;
        }
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task Loads_MiniLM_and_serves_embeddings_with_the_known_similarity()
    {
        var job = await fixture.LoadAsync(DeploymentFixture.MiniLm, Embeddings);
        Assert.Equal("ready", job.GetProperty("status").GetString());

        using var http = fixture.Http();
        await KnownEmbeddings.AssertServedAsync(http, Embeddings);
    }

    [Fact]
    public async Task Health_and_the_model_list_report_what_the_node_serves()
    {
        await fixture.LoadAsync(DeploymentFixture.TinyLlama, Chat);

        using var anonymous = new HttpClient { BaseAddress = fixture.Gateway.Address };
        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var report = await health.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("healthy", report.GetProperty("status").GetString());
        var model = report.GetProperty("checks").GetProperty("models").GetProperty("data").GetProperty(Chat);
        Assert.Equal("ready", model.GetProperty("state").GetString());
        Assert.Equal("chat", model.GetProperty("kind").GetString());
        Assert.True(report.GetProperty("checks").GetProperty("triton").GetProperty("data").GetProperty("ready").GetBoolean());

        var models = (await fixture.OpenAI().GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Contains(models, listed => listed.Id == Chat);
    }

    [Fact]
    public async Task Bad_tokens_and_bad_input_get_the_OpenAI_error_shape()
    {
        await AssertErrorAsync(await Post(token: "not-a-jwt", "{}"), HttpStatusCode.Unauthorized, "invalid_api_key");
        await AssertErrorAsync(await Post(fixture.Node.Token(Scopes.ModelsAdmin), "{}"), HttpStatusCode.Forbidden, null);
        await AssertErrorAsync(await Post(fixture.Node.Token(), "{\"model\": \"x\", \"messages\": ["), HttpStatusCode.BadRequest, "invalid_json");
        await AssertErrorAsync(await Post(fixture.Node.Token(), "{\"model\": \"no-such-model\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"),
            HttpStatusCode.NotFound, "model_not_found");

        async Task<HttpResponseMessage> Post(string token, string body)
        {
            using var http = fixture.Http(token);
            return await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        }
    }

    [Fact]
    public async Task A_restarted_native_gateway_reads_its_jobs_back_from_its_volume()
    {
        var job = await fixture.LoadAsync(DeploymentFixture.TinyLlama, Chat);

        await using var restarted = await fixture.StartGatewayAsync();
        using var http = restarted.CreateClient(fixture.Node.Token());
        var seen = await http.GetFromJsonAsync<JsonElement>($"/v1/models/load/{job.GetProperty("id").GetString()}");
        Assert.Equal("ready", seen.GetProperty("status").GetString());
        Assert.Equal(job.GetProperty("commit").GetString(), seen.GetProperty("commit").GetString());
        Assert.Equal(job.GetProperty("progress").GetProperty("bytes_total").GetInt64(), seen.GetProperty("progress").GetProperty("bytes_total").GetInt64());
    }

    [Fact]
    public async Task Serves_HTTPS_over_HTTP_2_with_the_mounted_certificate_as_it_does_in_the_cluster()
    {
        using var scratch = new ScratchDirectory("polargrid-native-tls");
        var certificate = TestCertificate.Write(Path.Combine(scratch.Path, "tls"), "CN=polargrid-native-tls");
        var address = new Uri($"https://127.0.0.1:{FreePort.Next()}");
        // As the manifests run it: HTTPS only, the .NET images' plain-HTTP port cleared.
        await using var gateway = await fixture.StartGatewayAsync(
            ["--Tls:AllowPlainHttp=false", "--ASPNETCORE_HTTP_PORTS=", $"--Tls:CertificatePath={certificate.CertificatePath}", $"--Tls:KeyPath={certificate.KeyPath}"],
            Path.Combine(scratch.Path, "data"), address, certificate.CreateHandler());

        using var http = certificate.CreateClient(address);
        http.DefaultRequestVersion = HttpVersion.Version20;
        http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        http.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Node.Token());
        using var models = await http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        Assert.Equal(HttpVersion.Version20, models.Version);
        Assert.Equal("list", (await models.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("object").GetString());
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? code)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
            if (code is not null)
            {
                Assert.Equal(code, error.GetProperty("code").GetString());
            }
        }
    }
}
