using Aspire.Hosting;
using PolarGrid.Cli;

namespace PolarGrid.Tests.Fleet;

/// <summary><c>polargrid nodes</c> and <c>polargrid chat</c> against the real local fleet.</summary>
[Collection(FleetCollection.Name)]
public sealed class FleetCliTests(FleetFixture fleet)
{
    [Fact]
    public async Task Nodes_shows_every_colo_from_the_verified_routing_table_with_its_live_health()
    {
        var output = new StringWriter();
        var code = await NodesCommand.RunAsync(
            ["--control-plane", fleet.App.GetEndpoint("controlplane", "http").ToString(), "--data-root", fleet.DataRoot],
            output, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("signature verified", text);
        foreach (var colo in FleetFixture.Colos)
        {
            Assert.Matches($@"(?m)^{colo}\s+\S+\s+\S+\s+healthy\s+[0-9.]+ ms", text);
        }
    }

    [Fact]
    public async Task Chat_streams_an_answer_through_the_router()
    {
        string[] chat =
        [
            "--control-plane", fleet.App.GetEndpoint("controlplane", "http").ToString(), "--data-root", fleet.DataRoot,
            "--model", "fleet-chat-cli", "--message", "Hello", "--max-tokens", "4", "--cache", Path.Combine(fleet.DataRoot, "cli-cache.json"),
        ];

        // No colo serves that model yet: the router says so rather than guessing a node.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ChatCommand.RunAsync(chat, new StringWriter(), new StringWriter(), CancellationToken.None));
        Assert.Contains("fleet-chat-cli", refused.ToString());

        var load = await LoadCommand.RunAsync(
            ["--control-plane", fleet.App.GetEndpoint("controlplane", "http").ToString(), "--data-root", fleet.DataRoot,
             "--colo", "yyz", "--model", FleetFixture.TinyLlamaRepo, "--name", "fleet-chat-cli"],
            new StringWriter(), new StringWriter(), CancellationToken.None);
        Assert.Equal(0, load);

        // The routing table learns of it at the control plane's next collection.
        var output = new StringWriter();
        var code = -1;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (code != 0 && DateTime.UtcNow < deadline)
        {
            output = new StringWriter();
            try
            {
                code = await ChatCommand.RunAsync(chat, output, new StringWriter(), CancellationToken.None);
            }
            catch (Exception error) when (error.ToString().Contains("fleet-chat-cli"))
            {
                await Task.Delay(500);
            }
        }

        Assert.Equal(0, code);
        Assert.False(string.IsNullOrWhiteSpace(output.ToString()));
    }
}
