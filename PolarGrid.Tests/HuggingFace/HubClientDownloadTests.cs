using Microsoft.Extensions.Logging;
using PolarGrid.HuggingFace;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>Downloads against the local Hub: CDN redirects, gating, verification, resumption and the faults it injects.</summary>
public sealed class HubClientDownloadTests(HubClientFixture fixture) : IClassFixture<HubClientFixture>
{
    private HubTestServer Server => fixture.Server;

    private static async Task<(HubClient Client, string Commit, IReadOnlyList<HubFile> Files)> ListAsync(HubTestServer server, string repoId, string? token = null,
        LogCollector? logs = null, IDictionary<string, string?>? settings = null)
    {
        var client = server.CreateClient(token, settings, logs);
        var revision = await client.ResolveAsync(repoId, "main", CancellationToken.None);
        return (client, revision.Commit, await client.ListFilesAsync(repoId, revision.Commit, null, CancellationToken.None));
    }

    private static HubFile File(IReadOnlyList<HubFile> files, string path) => files.Single(f => f.Path == path);

    private static string[] FilesIn(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Whole_repo_downloads_byte_identical_with_one_log_line_per_file()
    {
        var logs = new LogCollector();
        var (client, commit, files) = await ListAsync(Server, "test/repo", logs: logs);
        var destination = fixture.NewDestination();

        foreach (var file in files)
        {
            await client.DownloadAsync("test/repo", commit, file, file.LocalPathUnder(destination), null, CancellationToken.None);
        }

        Assert.Equal(fixture.Files.Keys.Order(StringComparer.Ordinal), FilesIn(destination));
        foreach (var (path, content) in fixture.Files)
        {
            Assert.Equal(content, await System.IO.File.ReadAllBytesAsync(Path.Combine(destination, path)));
        }

        var downloaded = logs.Entries.Where(e => e.Level == LogLevel.Information && e.Message.StartsWith("Downloaded test/repo/", StringComparison.Ordinal)).ToList();
        Assert.Equal(files.Count, downloaded.Count);
        Assert.Contains(downloaded, e => e.Message.Contains($"{HubClientFixture.BigPath}: {fixture.Big.Length} bytes in", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Lfs_file_follows_the_cdn_redirect_and_the_token_never_reaches_the_cdn()
    {
        var logs = new LogCollector();
        var (client, commit, files) = await ListAsync(Server, "test/gated", HubClientFixture.GatedToken, logs);
        var destination = Path.Combine(fixture.NewDestination(), "big.bin");
        var progress = new List<long>();
        Server.Recorder.Clear();

        await client.DownloadAsync("test/gated", commit, File(files, HubClientFixture.BigPath), destination, new SynchronousProgress(progress), CancellationToken.None);

        Assert.Equal(fixture.Big, await System.IO.File.ReadAllBytesAsync(destination));
        var resolve = Assert.Single(Server.Recorder.ApiRequests);
        Assert.Equal(302, resolve.Status);
        Assert.True(resolve.HasAuthorization);
        var cdn = Assert.Single(Server.Recorder.CdnRequests);
        Assert.Equal(200, cdn.Status);
        Assert.False(cdn.HasAuthorization);

        Assert.Equal(fixture.Big.Length, progress[^1]);
        Assert.Equal(progress.Order(), progress);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(HubClientFixture.GatedToken, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("signature=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gated_repo_with_the_right_token_downloads_regular_files_from_the_hub()
    {
        var (client, commit, files) = await ListAsync(Server, "test/gated", HubClientFixture.GatedToken);
        var destination = Path.Combine(fixture.NewDestination(), "README.md");

        await client.DownloadAsync("test/gated", commit, File(files, "README.md"), destination, null, CancellationToken.None);

        Assert.Equal(fixture.Files["README.md"], await System.IO.File.ReadAllBytesAsync(destination));
    }

    [Theory]
    [InlineData(null, 401, "no token is configured")]
    [InlineData(HubClientFixture.OtherToken, 403, "the configured token is not authorized")]
    public async Task Gated_repo_without_an_authorized_token_is_GatedRepo(string? token, int status, string reason)
    {
        var (client, commit, files) = await ListAsync(Server, "test/gated", token);
        var folder = fixture.NewDestination();

        foreach (var path in new[] { "README.md", HubClientFixture.BigPath })
        {
            var error = await Assert.ThrowsAsync<HubException>(() =>
                client.DownloadAsync("test/gated", commit, File(files, path), Path.Combine(folder, "file"), null, CancellationToken.None));

            Assert.Equal(HubErrorKind.GatedRepo, error.Kind);
            Assert.Equal(status, error.StatusCode);
            Assert.Contains($"Repository 'test/gated' is gated: {reason}", error.Message);
            Assert.Contains($"request access at {Server.Api.AbsoluteUri}test/gated", error.Message);
            Assert.DoesNotContain(HubClientFixture.OtherToken, error.Message);
        }

        // Neither the final name nor an empty partial file is left behind.
        Assert.Empty(FilesIn(folder));
    }

    [Fact]
    public async Task Missing_file_is_EntryNotFound()
    {
        var (client, commit, _) = await ListAsync(Server, "test/repo");
        var missing = new HubFile("no/such.txt", 10, null, new string('0', 40));

        var error = await Assert.ThrowsAsync<HubException>(() =>
            client.DownloadAsync("test/repo", commit, missing, Path.Combine(fixture.NewDestination(), "such.txt"), null, CancellationToken.None));

        Assert.Equal(HubErrorKind.EntryNotFound, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("'no/such.txt'", error.Message);
    }

    [Fact]
    public async Task Names_that_need_percent_encoding_reach_the_right_file()
    {
        var (client, commit, files) = await ListAsync(Server, "test/repo");
        var destination = fixture.NewDestination();
        var file = File(files, HubClientFixture.OddPath);
        Server.Recorder.Clear();

        await client.DownloadAsync("test/repo", commit, file, file.LocalPathUnder(destination), null, CancellationToken.None);

        Assert.Equal(fixture.Files[HubClientFixture.OddPath], await System.IO.File.ReadAllBytesAsync(file.LocalPathUnder(destination)));
        Assert.EndsWith("/odd%20names/a%20b%2Bc%25d%23e%20%C3%BC.txt", Assert.Single(Server.Recorder.ApiRequests).Path);
    }

    [Fact]
    public async Task Empty_file_is_created_and_verified_without_a_request()
    {
        var (client, commit, files) = await ListAsync(Server, "test/repo");
        var destination = Path.Combine(fixture.NewDestination(), "empty.txt");
        Server.Recorder.Clear();

        await client.DownloadAsync("test/repo", commit, File(files, "empty.txt"), destination, null, CancellationToken.None);

        Assert.Empty(await System.IO.File.ReadAllBytesAsync(destination));
        Assert.Empty(Server.Recorder.Requests);
    }

    [Theory]
    [InlineData(HubClientFixture.BigPath)]
    [InlineData("README.md")]
    public async Task Corrupted_bytes_are_IntegrityMismatch_and_leave_no_file(string path)
    {
        await using var server = await fixture.StartServerAsync(new() { ["Hub:Faults:CorruptPaths:0"] = path });
        var (client, commit, files) = await ListAsync(server, "test/repo");
        var folder = fixture.NewDestination();

        var error = await Assert.ThrowsAsync<HubException>(() =>
            client.DownloadAsync("test/repo", commit, File(files, path), Path.Combine(folder, "file"), null, CancellationToken.None));

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Contains(path.EndsWith(".bin", StringComparison.Ordinal) ? "sha256 is" : "git-sha1 is", error.Message);
        Assert.Empty(FilesIn(folder));
    }

    [Fact]
    public async Task Interrupted_download_resumes_with_a_range_and_is_byte_identical()
    {
        const int cutAfter = 100_000;
        await using var server = await fixture.StartServerAsync(new() { ["Hub:Faults:TruncateAfterBytes"] = cutAfter.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var logs = new LogCollector();
        var (client, commit, files) = await ListAsync(server, "test/repo", logs: logs);
        var destination = Path.Combine(fixture.NewDestination(), "big.bin");
        server.Recorder.Clear();

        await client.DownloadAsync("test/repo", commit, File(files, HubClientFixture.BigPath), destination, null, CancellationToken.None);

        Assert.Equal(fixture.Big, await System.IO.File.ReadAllBytesAsync(destination));
        Assert.False(System.IO.File.Exists(destination + ".incomplete"));

        // First CDN answer: the whole file announced, cut short. Second: only the rest, asked for with Range.
        var cdn = server.Recorder.CdnRequests;
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Range);
        Assert.Equal(200, cdn[0].Status);
        var resumedFrom = long.Parse(cdn[1].Range!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal($"bytes={resumedFrom}-", cdn[1].Range);
        Assert.InRange(resumedFrom, 1, cutAfter);
        Assert.Equal(206, cdn[1].Status);
        Assert.Equal(fixture.Big.Length - resumedFrom, cdn[1].ContentLength);
        Assert.Equal($"bytes {resumedFrom}-{fixture.Big.Length - 1}/{fixture.Big.Length}", cdn[1].ContentRange);
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("Attempt 1 of 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Leftover_incomplete_file_from_an_earlier_process_is_resumed()
    {
        const int leftover = 1_000_000;
        var (client, commit, files) = await ListAsync(Server, "test/repo");
        var destination = Path.Combine(fixture.NewDestination(), "big.bin");
        await System.IO.File.WriteAllBytesAsync(destination + ".incomplete", fixture.Big[..leftover]);
        Server.Recorder.Clear();

        await client.DownloadAsync("test/repo", commit, File(files, HubClientFixture.BigPath), destination, null, CancellationToken.None);

        Assert.Equal(fixture.Big, await System.IO.File.ReadAllBytesAsync(destination));
        Assert.False(System.IO.File.Exists(destination + ".incomplete"));
        var cdn = Assert.Single(Server.Recorder.CdnRequests);
        Assert.Equal($"bytes={leftover}-", cdn.Range);
        Assert.Equal(206, cdn.Status);
        Assert.Equal(fixture.Big.Length - leftover, cdn.ContentLength);
    }

    [Fact]
    public async Task Leftover_that_does_not_verify_is_downloaded_again_from_zero()
    {
        var (client, commit, files) = await ListAsync(Server, "test/repo");
        var destination = Path.Combine(fixture.NewDestination(), "big.bin");
        await System.IO.File.WriteAllBytesAsync(destination + ".incomplete", new byte[500_000]);
        Server.Recorder.Clear();

        await client.DownloadAsync("test/repo", commit, File(files, HubClientFixture.BigPath), destination, null, CancellationToken.None);

        Assert.Equal(fixture.Big, await System.IO.File.ReadAllBytesAsync(destination));
        Assert.Equal(["bytes=500000-", null], Server.Recorder.CdnRequests.Select(r => r.Range));
    }

    [Fact]
    public async Task Server_answering_a_range_with_200_restarts_from_zero()
    {
        // The truncating fault ignores Range and sends the whole file (cut short) with 200: a server without range support.
        await using var server = await fixture.StartServerAsync(new() { ["Hub:Faults:TruncateAfterBytes"] = "200000" });
        var (client, commit, files) = await ListAsync(server, "test/repo");
        var destination = Path.Combine(fixture.NewDestination(), "big.bin");
        await System.IO.File.WriteAllBytesAsync(destination + ".incomplete", fixture.Big[..50_000]);
        server.Recorder.Clear();

        await client.DownloadAsync("test/repo", commit, File(files, HubClientFixture.BigPath), destination, null, CancellationToken.None);

        Assert.Equal(fixture.Big, await System.IO.File.ReadAllBytesAsync(destination));
        var cdn = server.Recorder.CdnRequests;
        Assert.Equal(2, cdn.Count);
        Assert.Equal(("bytes=50000-", 200), (cdn[0].Range, cdn[0].Status));
        Assert.Equal(206, cdn[1].Status);
        // Resumed from what the restarted transfer got, not from the 50 000 bytes of the discarded leftover.
        Assert.NotEqual("bytes=50000-", cdn[1].Range);
    }

    [Fact]
    public async Task File_over_MaxFileBytes_is_TooLarge_before_any_request()
    {
        var (client, commit, files) = await ListAsync(Server, "test/repo", settings: new Dictionary<string, string?> { ["HuggingFace:MaxFileBytes"] = "1048576" });
        var folder = fixture.NewDestination();
        Server.Recorder.Clear();

        var error = await Assert.ThrowsAsync<HubException>(() =>
            client.DownloadAsync("test/repo", commit, File(files, HubClientFixture.BigPath), Path.Combine(folder, "big.bin"), null, CancellationToken.None));

        Assert.Equal(HubErrorKind.TooLarge, error.Kind);
        Assert.Contains("above the limit of 1048576 bytes", error.Message);
        Assert.Empty(Server.Recorder.Requests);
        Assert.Empty(FilesIn(folder));
    }

    [Fact]
    public async Task Unsafe_file_name_handed_in_by_a_caller_is_refused_before_any_request()
    {
        var (client, commit, _) = await ListAsync(Server, "test/repo");
        Server.Recorder.Clear();

        var error = await Assert.ThrowsAsync<HubException>(() => client.DownloadAsync(
            "test/repo", commit, new HubFile("../secret.txt", 1, null, new string('0', 40)), Path.Combine(fixture.NewDestination(), "x"), null, CancellationToken.None));

        Assert.Equal(HubErrorKind.UnsafePath, error.Kind);
        Assert.Empty(Server.Recorder.Requests);
    }

    /// <summary>Records on the calling thread; <see cref="Progress{T}"/> would post to the thread pool and race the assertions.</summary>
    private sealed class SynchronousProgress(List<long> values) : IProgress<long>
    {
        public void Report(long value) => values.Add(value);
    }
}
