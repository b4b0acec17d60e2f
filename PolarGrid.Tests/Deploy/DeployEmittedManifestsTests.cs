namespace PolarGrid.Tests.Deploy;

/// <summary>
/// The deploy scripts against the manifests the app host actually emits (a copy of the committed aspirate-output):
/// the dry run renders them, finds their workloads, Ingress hosts and secret inputs, and prints the plan.
/// </summary>
public sealed class DeployEmittedManifestsTests
{
    [Fact]
    public async Task Dry_run_of_a_colo_over_the_emitted_overlay_validates_and_prints_its_plan()
    {
        await using var harness = await DeployHarness.StartOnEmittedManifestsAsync("yvr");
        harness.Arguments.Add("--dry-run");

        var result = await harness.RunColoAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StandardOutput;
        Assert.Contains($"newName: {harness.Registry}/polargrid/gateway", output);
        Assert.Contains($"newName: {harness.Registry}/polargrid/sidecar", output);
        Assert.Contains("-n polargrid-yvr-gateway rollout status deployment/gateway", output);
        Assert.Contains("-n polargrid-yvr-triton rollout status deployment/triton", output);
        Assert.Contains("https://yvr.polargrid.example", output);
        harness.AssertNoSecretIn(result.Output);
        harness.AssertNothingChanged();
    }

    [Fact]
    public async Task Dry_run_of_the_control_plane_over_the_emitted_overlay_validates_and_prints_its_plan()
    {
        await using var harness = await DeployHarness.StartOnEmittedManifestsAsync("yvr");
        harness.Arguments.Add("--dry-run");

        var result = await harness.RunControlPlaneAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StandardOutput;
        Assert.Contains($"newName: {harness.Registry}/polargrid/controlplane", output);
        Assert.Contains("-n polargrid-control rollout status statefulset/postgres", output);
        Assert.Contains("-n polargrid-control rollout status deployment/controlplane", output);
        Assert.Contains("https://control.polargrid.example", output);
        harness.AssertNoSecretIn(result.Output);
        harness.AssertNothingChanged();
    }

    [Fact]
    public async Task A_colo_the_emitted_tree_does_not_have_fails_naming_its_missing_overlay()
    {
        await using var harness = await DeployHarness.StartOnEmittedManifestsAsync("yyc");
        harness.Arguments.Add("--dry-run");

        var result = await harness.RunColoAsync();

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("colos/yyc", result.Output);
    }
}
