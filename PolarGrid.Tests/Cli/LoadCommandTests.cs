using PolarGrid.Cli;
using PolarGrid.Tests.Deployment;

namespace PolarGrid.Tests.Cli;

/// <summary><c>polargrid load</c> against a real node: it follows the job to the end and says how it ended.</summary>
[Collection(DeploymentCollection.Name)]
public sealed class LoadCommandTests(DeploymentFixture fixture)
{
    [Fact]
    public async Task Loads_a_model_onto_the_named_node_and_follows_the_job_until_ready()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await LoadCommand.RunAsync(
            ["--gateway", fixture.Address.ToString(), "--token", fixture.Token(), "--model", DeploymentFixture.TinyLlama, "--name", "cli-chat"],
            output, error, CancellationToken.None);

        Assert.True(code == 0, output + error.ToString());
        Assert.Contains("as cli-chat", output.ToString());
        Assert.Contains("ready (version 1)", output.ToString());
        Assert.True(Directory.Exists(Path.Combine(fixture.Repository, "cli-chat")));
    }

    [Fact]
    public async Task A_refused_load_exits_non_zero_with_the_gateways_reason()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await LoadCommand.RunAsync(
            ["--gateway", fixture.Address.ToString(), "--token", fixture.Token(), "--model", "polargrid/no-such-model"],
            output, error, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains("404", error.ToString());
        Assert.Contains("repo_not_found", error.ToString());
    }
}
