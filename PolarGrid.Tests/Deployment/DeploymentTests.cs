using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PolarGrid.Auth;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Deployment;

/// <summary>Model deployment as an API call to the node, end to end through real processes and the local Hub.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class DeploymentTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Loading_the_tiny_llm_by_api_call_makes_it_servable_and_a_repeat_returns_the_same_job()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama, name = "tiny-chat" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"/v1/models/load/{accepted.GetProperty("id").GetString()}", location);
        Assert.Matches("^[0-9a-f]{40}$", accepted.GetProperty("commit").GetString());
        Assert.Equal("main", accepted.GetProperty("revision").GetString());

        var job = await DeploymentFixture.WaitForJobAsync(http, location);
        Assert.Equal("ready", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("version").GetInt64());
        var progress = job.GetProperty("progress");
        Assert.True(progress.GetProperty("bytes_total").GetInt64() > 5_000_000);
        Assert.Equal(progress.GetProperty("bytes_total").GetInt64(), progress.GetProperty("bytes_done").GetInt64());
        Assert.Equal(progress.GetProperty("files_total").GetInt32(), progress.GetProperty("files_done").GetInt32());

        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Contains(models.GetProperty("data").EnumerateArray(), model => model.GetProperty("id").GetString() == "tiny-chat");

        using var chat = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = "tiny-chat", messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 8, seed = 1 });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var completion = await chat.Content.ReadFromJsonAsync<JsonElement>();
        var completionTokens = completion.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.InRange(completionTokens, 1, 8);

        // Same model, same resolved commit: the existing job, not a second download.
        using var again = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama, name = "tiny-chat", revision = "main" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(accepted.GetProperty("id").GetString(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());

        // Nothing is left behind on the shared volume.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fixture.Staging, "queue")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fixture.Staging, ".incoming")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fixture.Staging, "results")));
    }

    [Fact]
    public async Task A_served_name_is_not_taken_over_by_another_repository_unless_replace_is_asked()
    {
        using var http = fixture.Http();
        using (var chatLoad = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama, name = "taken" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, chatLoad.StatusCode);
            Assert.Equal("ready", (await DeploymentFixture.WaitForJobAsync(http, chatLoad.Headers.Location!.OriginalString)).GetProperty("status").GetString());
        }

        using (var refused = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.MiniLm, name = "taken" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var error = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
            Assert.Equal("model_exists", error.GetProperty("code").GetString());
            Assert.Equal("name", error.GetProperty("param").GetString());
        }
        using (var stillChat = await http.PostAsJsonAsync("/v1/chat/completions",
                   new { model = "taken", messages = new[] { new { role = "user", content = "Hello" } }, max_tokens = 2 }))
        {
            Assert.Equal(HttpStatusCode.OK, stillChat.StatusCode);
        }

        using (var replaced = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.MiniLm, name = "taken", replace = true }))
        {
            Assert.Equal(HttpStatusCode.Accepted, replaced.StatusCode);
            Assert.Equal("ready", (await DeploymentFixture.WaitForJobAsync(http, replaced.Headers.Location!.OriginalString)).GetProperty("status").GetString());
        }
        await KnownEmbeddings.AssertServedAsync(http, "taken");
    }

    [Fact]
    public async Task MiniLM_loaded_by_api_call_serves_embeddings_with_the_known_similarity()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.MiniLm, name = "minilm" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await DeploymentFixture.WaitForJobAsync(http, response.Headers.Location!.OriginalString);
        Assert.Equal("ready", job.GetProperty("status").GetString());

        await KnownEmbeddings.AssertServedAsync(http, "minilm");
    }

    [Fact]
    public async Task Unloading_a_model_removes_it_from_the_node()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama, name = "short-lived" });
        var loaded = await DeploymentFixture.WaitForJobAsync(http, response.Headers.Location!.OriginalString);
        Assert.Equal("ready", loaded.GetProperty("status").GetString());
        Assert.True(Directory.Exists(Path.Combine(fixture.Repository, "short-lived")));

        using var deleted = await http.DeleteAsync("/v1/models/short-lived");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        var body = await deleted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("deleted").GetBoolean());

        Assert.False(Directory.Exists(Path.Combine(fixture.Repository, "short-lived")));
        using var chat = await http.PostAsJsonAsync("/v1/chat/completions",
            new { model = "short-lived", messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 2 });
        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
        var job = await http.GetFromJsonAsync<JsonElement>(loaded.GetProperty("id").GetString() is { } id ? $"/v1/models/load/{id}" : "");
        Assert.Equal("unloaded", job.GetProperty("status").GetString());

        using var again = await http.DeleteAsync("/v1/models/short-lived");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    public static TheoryData<string, HttpStatusCode, string> RefusedRequests => new()
    {
        { """{"model":"../../etc/passwd"}""", HttpStatusCode.BadRequest, "invalid_model_id" },
        { """{"model":"polargrid/tiny-random-llama-onnx","name":"../escape"}""", HttpStatusCode.BadRequest, "invalid_name" },
        { """{"model":"polargrid/tiny-random-llama-onnx","subfolder":"../.."}""", HttpStatusCode.BadRequest, "invalid_subfolder" },
        { """{"model":"polargrid/tiny-random-llama-onnx","subfolder":"/etc"}""", HttpStatusCode.BadRequest, "invalid_subfolder" },
        { """{"model":"polargrid/tiny-random-llama-onnx","revision":"v9.9"}""", HttpStatusCode.NotFound, "revision_not_found" },
        { """{"model":"polargrid/no-such-model"}""", HttpStatusCode.NotFound, "repo_not_found" },
        { """{"model":"polargrid/gated-llama"}""", HttpStatusCode.Forbidden, "gated_repo" },
        { """{"model":"polargrid/pickled"}""", HttpStatusCode.UnprocessableEntity, "pickled_weights" },
        { """{"model":42}""", HttpStatusCode.BadRequest, "" },
        { """not json""", HttpStatusCode.BadRequest, "invalid_json" },
    };

    [Theory]
    [MemberData(nameof(RefusedRequests))]
    public async Task Bad_load_requests_are_refused_in_the_OpenAI_error_shape(string body, HttpStatusCode status, string code)
    {
        using var http = fixture.Http();
        using var response = await http.PostAsync("/v1/models/load", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (code.Length > 0)
        {
            Assert.Equal(code, error.GetProperty("code").GetString());
        }
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fixture.Staging, "queue")));
    }

    [Fact]
    public async Task Loading_needs_the_models_admin_scope()
    {
        using var inferenceOnly = fixture.Http(fixture.Token(Scopes.Inference));
        using var forbidden = await inferenceOnly.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var unload = await inferenceOnly.DeleteAsync("/v1/models/tiny-chat");
        Assert.Equal(HttpStatusCode.Forbidden, unload.StatusCode);

        using var anonymous = new HttpClient { BaseAddress = fixture.Address };
        using var unauthorized = await anonymous.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama });
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Fact]
    public async Task A_repository_that_asks_for_its_own_code_is_refused_and_nothing_of_it_is_loaded()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.RemoteCode, name = "remote-code" });
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var job = await DeploymentFixture.WaitForJobAsync(http, response.Headers.Location!.OriginalString);
            Assert.Equal("failed", job.GetProperty("status").GetString());
            Assert.Contains("remote", job.GetProperty("error").GetProperty("code").GetString());
        }
        else
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        }

        Assert.False(Directory.Exists(Path.Combine(fixture.Repository, "remote-code")));
        Assert.Empty(Directory.GetFiles(fixture.Staging, "*.py", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(fixture.GatewayData, "*.py", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Jobs_live_on_the_node_volume_and_a_restarted_gateway_still_knows_them()
    {
        using var http = fixture.Http();
        using var response = await http.PostAsJsonAsync("/v1/models/load", new { model = DeploymentFixture.TinyLlama, name = "remembered" });
        var job = await DeploymentFixture.WaitForJobAsync(http, response.Headers.Location!.OriginalString);
        Assert.Equal("ready", job.GetProperty("status").GetString());

        await using var restarted = await GatewayProcess.StartAsync(fixture.GatewaySettings());
        using var second = restarted.CreateClient(fixture.Token());
        var seen = await second.GetFromJsonAsync<JsonElement>(response.Headers.Location!.OriginalString);
        Assert.Equal("ready", seen.GetProperty("status").GetString());
        Assert.Equal(job.GetProperty("commit").GetString(), seen.GetProperty("commit").GetString());
    }
}
