using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace PolarGrid.Tests.Fleet;

/// <summary>Model deployment on the local fleet: one API call to one colo, and only that colo serves the model.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetDeploymentTests(FleetFixture fleet)
{
    private const string Colo = "yvr";

    [Fact]
    public async Task Models_loaded_onto_one_colo_by_api_call_serve_there_and_only_there()
    {
        using var yvr = await GatewayAsync(Colo);
        using var chatLoad = await yvr.PostAsJsonAsync("/v1/models/load", new { model = FleetFixture.TinyLlamaRepo, name = "fleet-chat" });
        using var embeddingLoad = await yvr.PostAsJsonAsync("/v1/models/load", new { model = "sentence-transformers/all-MiniLM-L6-v2", name = "fleet-minilm" });
        Assert.Equal(HttpStatusCode.Accepted, chatLoad.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, embeddingLoad.StatusCode);

        foreach (var location in new[] { chatLoad.Headers.Location!, embeddingLoad.Headers.Location! })
        {
            var job = await WaitForJobAsync(yvr, location.OriginalString);
            Assert.True(job.GetProperty("status").GetString() == "ready", job.ToString());
        }

        using var chat = await yvr.PostAsJsonAsync("/v1/chat/completions",
            new { model = "fleet-chat", messages = new[] { new { role = "user", content = "Hello from Vancouver" } }, max_tokens = 6 });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        using var embeddings = await yvr.PostAsJsonAsync("/v1/embeddings", new { model = "fleet-minilm", input = "A man is eating food." });
        Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
        var vector = (await embeddings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data")[0].GetProperty("embedding");
        Assert.Equal(384, vector.GetArrayLength());

        var health = await yvr.GetFromJsonAsync<JsonElement>("/health");
        var models = health.GetProperty("checks").GetProperty("models").GetProperty("data");
        Assert.Equal("ready", models.GetProperty("fleet-chat").GetProperty("state").GetString());

        foreach (var other in FleetFixture.Colos.Where(colo => colo != Colo))
        {
            using var gateway = await GatewayAsync(other);
            var list = await gateway.GetFromJsonAsync<JsonElement>("/v1/models");
            Assert.DoesNotContain(list.GetProperty("data").EnumerateArray(), model => model.GetProperty("id").GetString() is "fleet-chat" or "fleet-minilm");
            using var elsewhere = await gateway.PostAsJsonAsync("/v1/chat/completions",
                new { model = "fleet-chat", messages = new[] { new { role = "user", content = "Hi" } }, max_tokens = 2 });
            Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
            Assert.False(Directory.Exists(Path.Combine(fleet.DataRoot, other, "models", "fleet-chat")));
        }
    }

    private Task<HttpClient> GatewayAsync(string colo) => fleet.GatewayClientAsync(colo);

    private static Task<JsonElement> WaitForJobAsync(HttpClient http, string location) =>
        PolarGrid.Tests.Deployment.DeploymentFixture.WaitForJobAsync(http, location, TimeSpan.FromMinutes(2));
}
