using System.Diagnostics;
using PolarGrid.Staging;

namespace PolarGrid.Tests.Sidecar;

/// <summary>Load and unload packages from the staging queue into a real inference server.</summary>
[Collection(SidecarCollection.Name)]
public sealed class PackageLoadTests
{
    [Fact]
    public async Task A_staged_package_is_installed_as_version_1_and_served()
    {
        await using var node = await SidecarNode.StartAsync();
        var loads = 0L;
        using var listener = node.ListenToCounter("polargrid.sidecar.model.loads", (value, _) => Interlocked.Add(ref loads, value));

        var job = await node.StageAsync(TestPackage.Identity("ident", width: 3));
        var result = await node.ResultAsync(job);

        Assert.Equal(PackageState.Ready, result.State);
        Assert.Equal(1, result.Version);
        Assert.Equal("ident", result.Model);
        Assert.Null(result.Reason);
        Assert.Equal(["1"], await node.ReadyVersionsAsync("ident"));
        Assert.Equal(new[] { 1.5f, 3f, 4.5f }, await node.InferIdentityAsync("ident", 3));

        // Exactly the model folder: pinned config and one version; no work folders; the package left the queue.
        Assert.Equal(["ident", "ident/1", "ident/1/model.onnx", "ident/config.pbtxt"],
            node.RepositoryEntries().Where(entry => !entry.StartsWith(".sidecar", StringComparison.Ordinal)));
        var config = await File.ReadAllTextAsync(Path.Combine(node.RepositoryPath, "ident", "config.pbtxt"));
        Assert.Contains("specific", config);
        Assert.Contains("versions: 1", config);
        Assert.False(Directory.Exists(node.Layout.PackageFor(job)));
        Assert.Empty(Directory.GetDirectories(node.Layout.QueueRoot));

        // Health reports the work; a span covers the package; the load was counted.
        var health = await node.SidecarHealthAsync();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var data = health.GetProperty("data");
        Assert.Equal(job, data.GetProperty("lastJob").GetString());
        Assert.Equal("Ready", data.GetProperty("lastJobState").GetString());
        Assert.Equal(0, data.GetProperty("queueLength").GetInt32());
        await node.Eventually(() => Spans(node, job).Any(), "the package's span");
        var span = Spans(node, job).Single();
        Assert.Equal("ident", span.GetTagItem("polargrid.model"));
        Assert.Equal("Ready", span.GetTagItem("polargrid.package.state"));
        Assert.Equal(1, Interlocked.Read(ref loads));
    }

    [Fact]
    public async Task A_second_package_becomes_version_2_and_version_1_is_removed()
    {
        await using var node = await SidecarNode.StartAsync();
        var first = await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident", width: 3)));
        Assert.Equal(PackageState.Ready, first.State);

        // The new version has a different shape, so serving it is visible from outside.
        var second = await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident", width: 5, configName: "ident")));

        Assert.Equal(PackageState.Ready, second.State);
        Assert.Equal(2, second.Version);
        Assert.Equal(["2"], await node.ReadyVersionsAsync("ident"));
        Assert.Equal(new[] { 1.5f, 3f, 4.5f, 6f, 7.5f }, await node.InferIdentityAsync("ident", 5));
        Assert.False(Directory.Exists(Path.Combine(node.RepositoryPath, "ident", "1")));
        Assert.Equal(["ident", "ident/2", "ident/2/model.onnx", "ident/config.pbtxt"],
            node.RepositoryEntries().Where(entry => !entry.StartsWith(".sidecar", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_version_that_fails_to_load_is_reported_and_the_previous_version_keeps_serving()
    {
        await using var node = await SidecarNode.StartAsync();
        Assert.Equal(PackageState.Ready, (await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident", width: 3)))).State);
        var configPath = Path.Combine(node.RepositoryPath, "ident", "config.pbtxt");
        var workingConfig = await File.ReadAllTextAsync(configPath);

        var failed = await node.ResultAsync(await node.StageAsync(TestPackage.Corrupt("ident")));

        Assert.Equal(PackageState.Failed, failed.State);
        Assert.Null(failed.Version);
        // The server's own words: which model and version could not be loaded.
        Assert.Contains("failed to load 'ident' version 2", failed.Reason);
        Assert.Equal(["1"], await node.ReadyVersionsAsync("ident"));
        Assert.Equal(new[] { 1.5f, 3f, 4.5f }, await node.InferIdentityAsync("ident", 3));
        Assert.Equal(workingConfig, await File.ReadAllTextAsync(configPath));
        Assert.Equal(["ident", "ident/1", "ident/1/model.onnx", "ident/config.pbtxt"],
            node.RepositoryEntries().Where(entry => !entry.StartsWith(".sidecar", StringComparison.Ordinal)));

        // The repository still works as the base for the next version.
        var next = await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident", width: 4)));
        Assert.Equal(PackageState.Ready, next.State);
        Assert.Equal(2, next.Version);
        Assert.Equal(new[] { 1.5f, 3f, 4.5f, 6f }, await node.InferIdentityAsync("ident", 4));
    }

    [Fact]
    public async Task A_new_model_that_fails_to_load_leaves_no_folder_behind()
    {
        await using var node = await SidecarNode.StartAsync();

        var failed = await node.ResultAsync(await node.StageAsync(TestPackage.Corrupt("broken")));

        Assert.Equal(PackageState.Failed, failed.State);
        Assert.Contains("failed to load 'broken' version 1", failed.Reason);
        Assert.All(node.RepositoryEntries(), entry => Assert.StartsWith(".sidecar", entry));
        Assert.Empty(await node.ReadyVersionsAsync("broken"));
        var health = (await node.SidecarHealthAsync()).GetProperty("data");
        Assert.Equal("Failed", health.GetProperty("lastJobState").GetString());
    }

    [Fact]
    public async Task An_unload_package_unloads_the_model_and_removes_its_folder()
    {
        await using var node = await SidecarNode.StartAsync();
        Assert.Equal(PackageState.Ready, (await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident")))).State);
        Assert.True(await node.Server.Triton.IsModelReadyAsync("ident"));

        var result = await node.ResultAsync(await node.StageAsync(TestPackage.Unload("ident")));

        Assert.Equal(PackageState.Unloaded, result.State);
        Assert.False(await node.Server.Triton.IsModelReadyAsync("ident"));
        Assert.Empty(await node.ReadyVersionsAsync("ident"));
        Assert.False(Directory.Exists(Path.Combine(node.RepositoryPath, "ident")));
        Assert.All(node.RepositoryEntries(), entry => Assert.StartsWith(".sidecar", entry));
    }

    [Fact]
    public async Task Packages_are_processed_oldest_first()
    {
        await using var node = await SidecarNode.StartAsync(startSidecar: false);
        // Staged while no sidecar runs: a load, then an unload of the same model, then a load of it again.
        var load = await node.StageAsync(TestPackage.Identity("ident", width: 3, jobId: "job-000000000001-a"));
        var unload = await node.StageAsync(new TestPackage { Model = "ident", Action = PackageAction.Unload, JobId = "job-000000000002-a" });
        var reload = await node.StageAsync(TestPackage.Identity("ident", width: 4, jobId: "job-000000000003-a"));

        await node.StartSidecarAsync();

        var last = await node.ResultAsync(reload);
        var results = new[] { await node.ResultAsync(load), await node.ResultAsync(unload), last };
        Assert.Equal([PackageState.Ready, PackageState.Unloaded, PackageState.Ready], results.Select(result => result.State));
        Assert.True(results[0].UpdatedAt <= results[1].UpdatedAt && results[1].UpdatedAt <= results[2].UpdatedAt);
        // After the unload removed the folder, the model came back as a new model.
        Assert.Equal(1, last.Version);
        Assert.Equal(new[] { 1.5f, 3f, 4.5f, 6f }, await node.InferIdentityAsync("ident", 4));
    }

    [Fact]
    public async Task The_queue_watcher_picks_up_a_package_without_waiting_for_the_rescan()
    {
        // A rescan interval far longer than the test: only the file-system watcher can wake the sidecar.
        await using var node = await SidecarNode.StartAsync(rescan: TimeSpan.FromHours(1));
        await node.Eventually(async () => (await node.SidecarHealthAsync()).GetProperty("data").TryGetProperty("lastScanAt", out _),
            "the sidecar's first cycle");

        var result = await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident")));

        Assert.Equal(PackageState.Ready, result.State);
    }

    private static IEnumerable<Activity> Spans(SidecarNode node, string job)
    {
        // The exporter appends from the sidecar's thread; a copy is safe to read.
        return node.Activities.ToArray()
            .Where(activity => activity is not null && activity.OperationName == "sidecar.package" && (string?)activity.GetTagItem("polargrid.job.id") == job)
            .ToList();
    }
}
