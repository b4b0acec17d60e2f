using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PolarGrid.Routing;

namespace PolarGrid.Tests.ControlPlane;

/// <summary>The registry's admin API: bearer admin key, validation, and every change in the routing table at once.</summary>
[Collection(ControlPlaneCollection.Name)]
public sealed class AdminApiTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Changing_the_registry_needs_the_admin_key_and_shows_in_the_routing_table()
    {
        await using var configured = await FakeNode.StartAsync();
        await using var added = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", configured.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);
        var body = new { colo = "yyz", region = "ca-central", publicUrl = added.Address.ToString(), latitude = 43.68, longitude = -79.63 };

        foreach (var key in new[] { null, "", "not-the-key", ControlPlaneSettings.AdminKeyValue + "x", ControlPlaneSettings.AdminKeyValue[..^1] })
        {
            using var refused = await SendAsync(replica, HttpMethod.Post, "/v1/nodes", body, key);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("Bearer", refused.Headers.WwwAuthenticate.ToString());
        }
        using (var refusedPut = await SendAsync(replica, HttpMethod.Put, "/v1/nodes/yvr", body with { }, "wrong"))
        using (var refusedDelete = await SendAsync(replica, HttpMethod.Delete, "/v1/nodes/yvr", null, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refusedPut.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, refusedDelete.StatusCode);
        }
        Assert.Equal(["yvr"], (await replica.TableAsync()).Nodes.Select(node => node.Colo));

        using (var created = await SendAsync(replica, HttpMethod.Post, "/v1/nodes", body, ControlPlaneSettings.AdminKeyValue))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("/v1/nodes/yyz", created.Headers.Location!.ToString());
        }
        // In the table straight away (not collected yet or already healthy), then collected.
        Assert.Contains((await replica.TableAsync()).Nodes, node => node.Colo == "yyz");
        var table = await Poll.UntilAsync(replica.TableAsync,
            table => table.Nodes.SingleOrDefault(node => node.Colo == "yyz")?.State == RoutedNode.Healthy, "the added node collected");
        Assert.Equal(new Uri(added.Address.ToString()), table.Nodes.Single(node => node.Colo == "yyz").Url);

        using (var duplicate = await SendAsync(replica, HttpMethod.Post, "/v1/nodes", body, ControlPlaneSettings.AdminKeyValue))
        {
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        }
        using (var invalid = await SendAsync(replica, HttpMethod.Post, "/v1/nodes",
            new { colo = "Not A Colo", region = "", publicUrl = "ftp://x", latitude = 91.0 }, ControlPlaneSettings.AdminKeyValue))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
            var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Equal(["colo", "latitude", "publicUrl", "region"], errors.EnumerateObject().Select(error => error.Name).Order());
        }

        using (var moved = await SendAsync(replica, HttpMethod.Put, "/v1/nodes/yyz", body with { region = "ca-east" }, ControlPlaneSettings.AdminKeyValue))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            Assert.Equal("ca-east", (await moved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("region").GetString());
        }
        Assert.Equal("ca-east", (await replica.TableAsync()).Nodes.Single(node => node.Colo == "yyz").Region);

        using (var removed = await SendAsync(replica, HttpMethod.Delete, "/v1/nodes/yyz", null, ControlPlaneSettings.AdminKeyValue))
        using (var again = await SendAsync(replica, HttpMethod.Delete, "/v1/nodes/yyz", null, ControlPlaneSettings.AdminKeyValue))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }
        Assert.Equal(["yvr"], (await replica.TableAsync()).Nodes.Select(node => node.Colo));
        Assert.Equal(HttpStatusCode.NotFound, (await replica.Http.GetAsync("/v1/nodes/yyz")).StatusCode);

        // The key never reaches a log line, not even from the refused attempts.
        Assert.DoesNotContain(replica.Logs.Lines, line => line.Contains(ControlPlaneSettings.AdminKeyValue[..12], StringComparison.Ordinal));
        Assert.DoesNotContain(replica.Logs.Lines, line => line.Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_configured_admin_key_the_admin_api_is_closed()
    {
        await using var node = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yul", node.Address)]) { AdminKey = null };
        await using var replica = await ControlPlaneReplica.StartAsync(settings);

        using var refused = await SendAsync(replica, HttpMethod.Delete, "/v1/nodes/yul", null, ControlPlaneSettings.AdminKeyValue);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var readable = await replica.Http.GetAsync("/v1/nodes/yul");
        Assert.Equal(HttpStatusCode.OK, readable.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/v1/nodes", 401)]
    [InlineData("GET", "/v1/no-such-thing", 404)]
    [InlineData("PATCH", "/v1/routing-table", 405)]
    public async Task Refusals_carry_a_json_problem_body(string method, string path, int status)
    {
        await using var node = await FakeNode.StartAsync();
        var settings = new ControlPlaneSettings(await postgres.NewDatabaseAsync(), [("yvr", node.Address)]);
        await using var replica = await ControlPlaneReplica.StartAsync(settings);

        using var response = await SendAsync(replica, new HttpMethod(method), path, method == "POST" ? new { colo = "x" } : null, key: null);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
    }

    private static async Task<HttpResponseMessage> SendAsync(ControlPlaneReplica replica, HttpMethod method, string path, object? body, string? key)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return await replica.Http.SendAsync(request);
    }
}
