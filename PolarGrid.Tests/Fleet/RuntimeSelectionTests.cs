using PolarGrid.AppHost.Fleet;
using PolarGrid.AppHost.Runtime;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Fleet;

/// <summary>
/// The choice between containers and processes, made by running real probe commands: <c>true</c> and
/// <c>false</c> stand in for a container CLI whose daemon answers or does not.
/// </summary>
public sealed class RuntimeSelectionTests : IDisposable
{
    private readonly ScratchDirectory _postgresBin = new("polargrid-pgbin");
    private readonly ScratchDirectory _empty = new("polargrid-empty");

    public RuntimeSelectionTests()
    {
        File.WriteAllText(Path.Combine(_postgresBin.Path, "postgres"), "");
        File.WriteAllText(Path.Combine(_postgresBin.Path, "initdb"), "");
    }

    [Fact]
    public async Task A_runtime_cli_that_answers_is_usable_one_that_fails_or_is_missing_is_not()
    {
        Assert.True(await ContainerRuntimeProbe.IsUsableAsync("true"));
        Assert.False(await ContainerRuntimeProbe.IsUsableAsync("false"));
        Assert.False(await ContainerRuntimeProbe.IsUsableAsync("polargrid-no-such-runtime"));
    }

    [Fact]
    public async Task Auto_prefers_containers_when_a_runtime_answers()
    {
        var choice = await Choose("auto", containerRuntime: "true", postgresBin: _postgresBin.Path);
        Assert.Equal(FleetRuntime.Containers, choice.Runtime);
        Assert.Equal("true", choice.ContainerRuntime);
    }

    [Fact]
    public async Task Auto_falls_back_to_processes_when_no_runtime_answers()
    {
        var choice = await Choose("auto", containerRuntime: "false", postgresBin: _postgresBin.Path);
        Assert.Equal(FleetRuntime.Processes, choice.Runtime);
        Assert.Equal(_postgresBin.Path, choice.PostgresBinDirectory);
    }

    [Fact]
    public async Task The_override_wins_over_the_probe()
    {
        var processes = await Choose("processes", containerRuntime: "true", postgresBin: _postgresBin.Path);
        Assert.Equal(FleetRuntime.Processes, processes.Runtime);

        var containers = await Choose("Containers", containerRuntime: "true", postgresBin: _postgresBin.Path);
        Assert.Equal(FleetRuntime.Containers, containers.Runtime);
    }

    [Fact]
    public async Task Publish_mode_always_builds_the_containers_graph()
    {
        var choice = await RuntimeSelector.ChooseAsync(
            Options("processes", "false", _empty.Path), isPublishMode: true, aspireContainerRuntime: null);
        Assert.Equal(FleetRuntime.Containers, choice.Runtime);
    }

    [Fact]
    public async Task Missing_prerequisites_give_one_clear_message()
    {
        var neither = await Assert.ThrowsAsync<FleetSetupException>(() => Choose("auto", "false", _empty.Path));
        Assert.Contains("no container runtime answered", neither.Message);
        Assert.Contains("apt-get install postgresql", neither.Message);

        var noRuntime = await Assert.ThrowsAsync<FleetSetupException>(() => Choose("containers", "false", _postgresBin.Path));
        Assert.Contains("Start Docker or Podman", noRuntime.Message);

        var noPostgres = await Assert.ThrowsAsync<FleetSetupException>(() => Choose("processes", "true", _empty.Path));
        Assert.Contains("no PostgreSQL server binaries", noPostgres.Message);

        var typo = await Assert.ThrowsAsync<FleetSetupException>(() => Choose("kubernetes", "true", _postgresBin.Path));
        Assert.Contains("'auto', 'containers' or 'processes'", typo.Message);
    }

    [Fact]
    public async Task Aspire_container_runtime_setting_picks_the_cli_to_probe()
    {
        var options = Options("auto", containerRuntime: null, postgresBin: _postgresBin.Path);
        var choice = await RuntimeSelector.ChooseAsync(options, isPublishMode: false, aspireContainerRuntime: "true");
        Assert.Equal(FleetRuntime.Containers, choice.Runtime);
    }

    private static Task<RuntimeChoice> Choose(string runtime, string? containerRuntime, string postgresBin) =>
        RuntimeSelector.ChooseAsync(Options(runtime, containerRuntime, postgresBin), isPublishMode: false, aspireContainerRuntime: null);

    private static FleetOptions Options(string runtime, string? containerRuntime, string postgresBin) => new()
    {
        Runtime = runtime,
        ContainerRuntime = containerRuntime,
        PostgresBinDirectory = postgresBin,
    };

    public void Dispose()
    {
        _postgresBin.Dispose();
        _empty.Dispose();
    }
}
