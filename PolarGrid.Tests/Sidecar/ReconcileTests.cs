using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PolarGrid.Sidecar;
using PolarGrid.Sidecar.Packages;
using PolarGrid.Sidecar.Repository;
using PolarGrid.Staging;
using PolarGrid.Testing;

namespace PolarGrid.Tests.Sidecar;

/// <summary>The sidecar bringing Triton back in line with the repository, and the repository back from a crash.</summary>
[Collection(SidecarCollection.Name)]
public sealed class ReconcileTests
{
    [Fact]
    public async Task Models_in_the_repository_that_Triton_has_not_loaded_are_loaded_when_the_sidecar_starts()
    {
        // As after a Triton restart: the repository holds models, the server (explicit mode) has loaded none.
        await using var node = await SidecarNode.StartAsync(node =>
        {
            WriteModel(node, "with_config", 1, TestPackage.IdentityConfig, Testing.OnnxModelBuilder.Identity("FP32", 3));
            WriteModel(node, "auto_config", 3, null, Testing.OnnxModelBuilder.Identity("FP32", 2));
            WriteModel(node, "broken", 1, TestPackage.IdentityConfig, Encoding.UTF8.GetBytes("not onnx"));
            return Task.CompletedTask;
        }, startSidecar: false);
        Assert.DoesNotContain(await node.IndexAsync(), entry => entry.State == "READY");

        await node.StartSidecarAsync();

        await node.Eventually(async () => (await node.ReadyVersionsAsync("with_config")).Length == 1 && (await node.ReadyVersionsAsync("auto_config")).Length == 1,
            "both good models READY");
        Assert.Equal(["3"], await node.ReadyVersionsAsync("auto_config"));
        Assert.Equal(new[] { 1.5f, 3f }, await node.InferIdentityAsync("auto_config", 2));

        // The broken model is tried once, reported, and not retried on every rescan.
        await node.Eventually(async () => HasFailed(await node.SidecarHealthAsync(), "broken"), "the broken model in the health report");
        var firstScan = LastScan(await node.SidecarHealthAsync());
        await node.Eventually(async () => LastScan(await node.SidecarHealthAsync()) > firstScan + 3 * SidecarNode.DefaultRescan,
            "three more rescans");
        Assert.Equal(1, Occurrences(node.Server.Log, "Model broken failed to load"));
        Assert.True(Directory.Exists(Path.Combine(node.RepositoryPath, "broken")), "the sidecar does not delete what it did not install");
    }

    [Fact]
    public async Task A_model_Triton_lost_is_loaded_again_on_a_rescan()
    {
        await using var node = await SidecarNode.StartAsync();
        Assert.Equal(PackageState.Ready, (await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident")))).State);

        // Someone unloads it behind the sidecar's back (as a Triton restart would lose it); the folder is still there.
        await node.Server.Triton.UnloadModelAsync("ident");
        await node.Eventually(async () => (await node.ReadyVersionsAsync("ident")).Length == 0, "the model unloaded");

        await node.Eventually(async () => (await node.ReadyVersionsAsync("ident")) is ["1"], "the model loaded again by a rescan");
        Assert.Equal(new[] { 1.5f, 3f, 4.5f }, await node.InferIdentityAsync("ident", 3));
    }

    [Fact]
    public async Task Leftovers_of_a_crashed_sidecar_are_removed_and_its_unfinished_package_is_processed_on_restart()
    {
        string unfinished = "", finished = "";
        await using var node = await SidecarNode.StartAsync(async node =>
        {
            // What a sidecar killed mid-way leaves: half-copied folders for a new model and a new version, a
            // half-deleted trash folder, and a package whose result still says Loading.
            WriteModel(node, "kept", 1, TestPackage.IdentityConfig, Testing.OnnxModelBuilder.Identity("FP32", 3));
            WriteFile(Path.Combine(node.RepositoryPath, ".incoming-job-dead-1", "1", "model.onnx"), "half a mod");
            WriteFile(Path.Combine(node.RepositoryPath, "kept", ".incoming-job-dead-2", "model.onnx"), "half");
            WriteFile(Path.Combine(node.RepositoryPath, ".trash-job-dead-3-old", "1", "model.onnx"), "rest");

            var package = TestPackage.Identity("fresh", width: 2);
            unfinished = await node.StageAsync(package);
            await new PackageResult(unfinished, "fresh", PackageState.Loading, DateTimeOffset.UtcNow).WriteAsync(node.Layout, CancellationToken.None);

            // And a package the killed sidecar had finished (result written) but not yet removed: only removed now.
            var done = TestPackage.Identity("done_before", width: 2);
            finished = await node.StageAsync(done);
            await new PackageResult(finished, "done_before", PackageState.Ready, DateTimeOffset.UnixEpoch, Version: 7).WriteAsync(node.Layout, CancellationToken.None);
        }, startSidecar: false);

        await node.StartSidecarAsync();

        var result = await node.ResultAsync(unfinished);
        Assert.Equal(PackageState.Ready, result.State);
        Assert.Equal(1, result.Version);
        Assert.Equal(new[] { 1.5f, 3f }, await node.InferIdentityAsync("fresh", 2));
        await node.Eventually(async () => (await node.ReadyVersionsAsync("kept")) is ["1"], "the kept model loaded by the reconciler");

        Assert.Equal(
            ["fresh", "fresh/1", "fresh/1/model.onnx", "fresh/config.pbtxt", "kept", "kept/1", "kept/1/model.onnx", "kept/config.pbtxt"],
            node.RepositoryEntries().Where(entry => !entry.StartsWith(".sidecar", StringComparison.Ordinal)));
        await node.Eventually(() => !Directory.Exists(node.Layout.PackageFor(finished)), "the finished package removed");
        var untouched = await PackageResult.TryReadAsync(node.Layout, finished, CancellationToken.None);
        Assert.Equal(DateTimeOffset.UnixEpoch, untouched!.UpdatedAt);
        Assert.Empty(await node.ReadyVersionsAsync("done_before"));
    }

    [Fact]
    public async Task Installations_cut_off_before_their_load_are_undone_and_redone_on_restart()
    {
        await using var node = await SidecarNode.StartAsync();
        Assert.Equal(PackageState.Ready, (await node.ResultAsync(await node.StageAsync(TestPackage.Identity("ident", width: 3)))).State);
        await node.StopSidecarAsync();

        // The state a crash between installing and loading leaves, made by the sidecar's own installer: a new version
        // of a served model (its config already pointing at it) and a brand-new model, neither loaded.
        var newVersion = await node.StageAsync(TestPackage.Identity("ident", width: 4));
        var newModel = await node.StageAsync(TestPackage.Identity("newbie", width: 2));
        await using (var crashed = SidecarApplication.Build([.. node.SidecarSettings(), "--Logging:LogLevel:Default=Warning"]))
        {
            var validator = crashed.Services.GetRequiredService<PackageValidator>();
            var installer = crashed.Services.GetRequiredService<ModelInstaller>();
            foreach (var job in new[] { newVersion, newModel })
            {
                var directory = node.Layout.PackageFor(job);
                var staged = await StagedPackage.ReadAsync(directory, CancellationToken.None);
                await installer.InstallAsync(await validator.ValidateLoadAsync(directory, staged, CancellationToken.None), CancellationToken.None);
                await new PackageResult(job, staged.Model, PackageState.Loading, DateTimeOffset.UtcNow).WriteAsync(node.Layout, CancellationToken.None);
            }
        }
        Assert.True(Directory.Exists(Path.Combine(node.RepositoryPath, "ident", "2")));
        Assert.True(Directory.Exists(Path.Combine(node.RepositoryPath, "newbie", "1")));
        Assert.Equal(new[] { 1.5f, 3f, 4.5f }, await node.InferIdentityAsync("ident", 3));

        await node.StartSidecarAsync();

        // Undone first, then done again: the same version numbers, not ones stacked on the half-done installation.
        var version = await node.ResultAsync(newVersion);
        var model = await node.ResultAsync(newModel);
        Assert.Equal((PackageState.Ready, 2L), (version.State, version.Version!.Value));
        Assert.Equal((PackageState.Ready, 1L), (model.State, model.Version!.Value));
        Assert.Equal(new[] { 1.5f, 3f, 4.5f, 6f }, await node.InferIdentityAsync("ident", 4));
        Assert.Equal(new[] { 1.5f, 3f }, await node.InferIdentityAsync("newbie", 2));
        Assert.Equal(
            ["ident", "ident/2", "ident/2/model.onnx", "ident/config.pbtxt", "newbie", "newbie/1", "newbie/1/model.onnx", "newbie/config.pbtxt"],
            node.RepositoryEntries().Where(entry => !entry.StartsWith(".sidecar", StringComparison.Ordinal)));
        Assert.Empty(Directory.GetFiles(Path.Combine(node.RepositoryPath, ".sidecar")));
    }

    [Fact]
    public async Task A_sidecar_killed_while_copying_a_large_file_recovers_on_restart()
    {
        await using var node = await SidecarNode.StartAsync(startSidecar: false);
        var package = TestPackage.Identity("large", width: 3);
        // Large enough that copying and hashing it takes far longer than noticing the copy has begun.
        package.GeneratedFiles["1/weights.bin"] = 512L * 1024 * 1024;
        var job = await node.StageAsync(package);
        var incoming = Path.Combine(node.RepositoryPath, ".incoming-" + job);
        var partial = Path.Combine(incoming, "1", "weights.bin");

        await using (var sidecar = await SidecarProcess.StartAsync(node.SidecarSettings()))
        {
            await node.Eventually(() => File.Exists(partial) || sidecar.HasExited, "the copy of weights.bin to begin", TimeSpan.FromSeconds(120));
            await sidecar.KillAsync();
            Assert.True(File.Exists(partial), $"the sidecar was killed mid-copy\n{sidecar.Log}");
            Assert.True(new FileInfo(partial).Length < package.GeneratedFiles["1/weights.bin"], "the copy was still incomplete when the sidecar died");
            Assert.Equal(PackageState.Loading, (await PackageResult.TryReadAsync(node.Layout, job, CancellationToken.None))!.State);
            Assert.Empty(await node.ReadyVersionsAsync("large"));
        }

        await using (var restarted = await SidecarProcess.StartAsync(node.SidecarSettings()))
        {
            var result = await node.ResultAsync(job);
            Assert.True(result.State == PackageState.Ready, $"{result.Reason}\n{restarted.Log}");
            Assert.Equal(1, result.Version);
        }
        Assert.Equal(["1"], await node.ReadyVersionsAsync("large"));
        Assert.Equal(new[] { 1.5f, 3f, 4.5f }, await node.InferIdentityAsync("large", 3));
        Assert.False(Directory.Exists(incoming));
        Assert.Equal(package.GeneratedFiles["1/weights.bin"], new FileInfo(Path.Combine(node.RepositoryPath, "large", "1", "weights.bin")).Length);
        Assert.Equal(["large", "large/1", "large/1/model.onnx", "large/1/weights.bin", "large/config.pbtxt"],
            node.RepositoryEntries().Where(entry => !entry.StartsWith(".sidecar", StringComparison.Ordinal)));
    }

    private static void WriteModel(SidecarNode node, string model, int version, string? config, byte[] onnx)
    {
        var folder = Path.Combine(node.RepositoryPath, model);
        Directory.CreateDirectory(Path.Combine(folder, version.ToString()));
        File.WriteAllBytes(Path.Combine(folder, version.ToString(), "model.onnx"), onnx);
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(folder, "config.pbtxt"), config);
        }
    }

    private static void WriteFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static bool HasFailed(System.Text.Json.JsonElement health, string model) =>
        health.GetProperty("data").GetProperty("failedModels").EnumerateArray().Any(item => item.GetString() == model);

    private static DateTimeOffset LastScan(System.Text.Json.JsonElement health) =>
        health.GetProperty("data").TryGetProperty("lastScanAt", out var scan) ? scan.GetDateTimeOffset() : DateTimeOffset.MinValue;

    private static int Occurrences(string text, string fragment)
    {
        var count = 0;
        for (var at = text.IndexOf(fragment, StringComparison.Ordinal); at >= 0; at = text.IndexOf(fragment, at + fragment.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
