using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PolarGrid.HuggingFace;
using PolarGrid.Staging;

namespace PolarGrid.Tests.HuggingFace;

/// <summary>Resolving revisions, listing trees and the errors around them, against the local Hub over real HTTP.</summary>
public sealed class HubClientMetadataTests(HubClientFixture fixture) : IClassFixture<HubClientFixture>
{
    private HubTestServer Server => fixture.Server;

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string GitSha1(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));

    [Fact]
    public async Task Main_resolves_to_the_commit_the_server_reports()
    {
        var client = Server.CreateClient();
        var expected = await Server.CommitOfAsync("test/repo");

        var main = await client.ResolveAsync("test/repo", "main", CancellationToken.None);
        var bySha = await client.ResolveAsync("test/repo", expected, CancellationToken.None);

        Assert.Equal(expected, main.Commit);
        Assert.Equal("main", main.Revision);
        Assert.False(main.Private);
        Assert.False(main.IsGated);
        Assert.Equal(expected, bySha.Commit);
    }

    [Fact]
    public async Task Gated_repo_info_is_readable_anonymously_and_says_it_is_gated()
    {
        var revision = await Server.CreateClient().ResolveAsync("test/gated", "main", CancellationToken.None);

        Assert.True(revision.IsGated);
        Assert.Equal("manual", revision.Gated);
    }

    [Fact]
    public async Task Unknown_revision_is_RevisionNotFound()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Server.CreateClient().ResolveAsync("test/repo", "v9.9", CancellationToken.None));

        Assert.Equal(HubErrorKind.RevisionNotFound, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("'v9.9'", error.Message);
        Assert.Contains("'test/repo'", error.Message);
    }

    [Fact]
    public async Task Revision_with_slashes_is_sent_as_one_encoded_segment()
    {
        Server.Recorder.Clear();

        var error = await Assert.ThrowsAsync<HubException>(() => Server.CreateClient().ResolveAsync("test/repo", "refs/pr/1", CancellationToken.None));

        // The server decodes it back to "refs/pr/1": it reached the revision route, not a path of its own.
        Assert.Equal(HubErrorKind.RevisionNotFound, error.Kind);
        Assert.Equal("/api/models/test/repo/revision/refs%2Fpr%2F1", Assert.Single(Server.Recorder.ApiRequests).Path);
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData(HubClientFixture.OtherToken, 404)]
    public async Task Missing_repo_is_RepoNotFound(string? token, int status)
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Server.CreateClient(token).ResolveAsync("test/does-not-exist", "main", CancellationToken.None));

        Assert.Equal(HubErrorKind.RepoNotFound, error.Kind);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains("'test/does-not-exist'", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(HubClientFixture.OtherToken)]
    public async Task Private_repo_is_invisible_without_an_allowed_token(string? token)
    {
        var client = Server.CreateClient(token);

        var info = await Assert.ThrowsAsync<HubException>(() => client.ResolveAsync("test/private", "main", CancellationToken.None));
        var tree = await Assert.ThrowsAsync<HubException>(() => client.ListFilesAsync("test/private", "main", null, CancellationToken.None));

        Assert.Equal(HubErrorKind.RepoNotFound, info.Kind);
        Assert.Equal(HubErrorKind.RepoNotFound, tree.Kind);
        Assert.Contains(token is null ? "no token is configured" : "the configured token cannot see it", info.Message);
        Assert.DoesNotContain(HubClientFixture.OtherToken, info.Message);
    }

    [Fact]
    public async Task Private_repo_is_visible_with_an_allowed_token()
    {
        var revision = await Server.CreateClient(HubClientFixture.PrivateToken).ResolveAsync("test/private", "main", CancellationToken.None);

        Assert.True(revision.Private);
        Assert.Equal(await Server.CommitOfAsync("test/private"), revision.Commit);
    }

    [Fact]
    public async Task Tree_pagination_lists_every_file_with_sizes_and_hashes()
    {
        Server.Recorder.Clear();
        var client = Server.CreateClient();
        var commit = await Server.CommitOfAsync("test/repo");

        var files = await client.ListFilesAsync("test/repo", commit, null, CancellationToken.None);

        Assert.Equal(fixture.Files.Keys.Order(StringComparer.Ordinal), files.Select(f => f.Path).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            var content = fixture.Files[file.Path];
            Assert.Equal(content.Length, file.Size);
            if (file.Path.EndsWith(".bin", StringComparison.Ordinal) || file.Path.EndsWith(".onnx", StringComparison.Ordinal))
            {
                Assert.True(file.IsLfs, file.Path);
                Assert.Equal(Sha256(content), file.Sha256);
            }
            else
            {
                Assert.Null(file.Sha256);
                Assert.Equal(GitSha1(content), file.GitBlobId);
            }
        }

        // Files plus the folders files, nested, nested/a, odd names, onnx, weights, five to a page.
        var entries = fixture.Files.Count + 6;
        var pages = Server.Recorder.ApiRequests.Where(r => r.Path.Contains("/tree/", StringComparison.Ordinal)).ToList();
        Assert.Equal((entries + HubClientFixture.PageSize - 1) / HubClientFixture.PageSize, pages.Count);
        Assert.Equal(pages.Count - 1, pages.Count(p => p.Path.Contains("cursor=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Subfolder_lists_only_its_files_and_a_missing_one_is_EntryNotFound()
    {
        var client = Server.CreateClient();

        var files = await client.ListFilesAsync("test/repo", "main", "files/", CancellationToken.None);
        var missing = await Assert.ThrowsAsync<HubException>(() => client.ListFilesAsync("test/repo", "main", "nope", CancellationToken.None));

        Assert.Equal(9, files.Count);
        Assert.All(files, f => Assert.StartsWith("files/", f.Path));
        Assert.Equal(HubErrorKind.EntryNotFound, missing.Kind);
        Assert.Contains("'nope'", missing.Message);
    }

    [Fact]
    public async Task Unsafe_file_name_in_the_tree_is_UnsafePath_and_nothing_is_listed()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Server.CreateClient().ListFilesAsync("test/unsafe", "main", null, CancellationToken.None));

        Assert.Equal(HubErrorKind.UnsafePath, error.Kind);
        Assert.Contains(HubClientFixture.UnsafeName, error.Message);
        Assert.Equal(HubClientFixture.UnsafeName, Assert.IsType<UnsafePathException>(error.InnerException).UnsafePath);
    }

    [Fact]
    public async Task Relative_redirect_of_a_renamed_repo_is_followed_with_the_token()
    {
        Server.Recorder.Clear();
        var client = Server.CreateClient(HubClientFixture.OtherToken);

        var revision = await client.ResolveAsync(RenamedRepoRedirect.OldId, "main", CancellationToken.None);

        Assert.Equal(await Server.CommitOfAsync(RenamedRepoRedirect.NewId), revision.Commit);
        var requests = Server.Recorder.ApiRequests;
        Assert.Equal([307, 200], requests.Select(r => r.Status));
        Assert.Equal($"/api/models/{RenamedRepoRedirect.NewId}/revision/main", requests[1].Path);
        Assert.All(requests, r => Assert.True(r.HasAuthorization));
    }

    [Fact]
    public async Task Rate_limit_is_RateLimited_with_Retry_After_and_not_retried()
    {
        await using var server = await fixture.StartServerAsync(new() { ["Hub:Faults:RateLimitAfter"] = "1" });
        // As in a host with service defaults: the standard resilience handler on every client must not apply here.
        var client = server.CreateClient(services: services => services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler()));

        await client.ResolveAsync("test/repo", "main", CancellationToken.None);
        var error = await Assert.ThrowsAsync<HubException>(() => client.ResolveAsync("test/repo", "main", CancellationToken.None));

        Assert.Equal(HubErrorKind.RateLimited, error.Kind);
        Assert.Equal(429, error.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.Contains("retry after 1 s", error.Message);
        Assert.Equal(2, server.Recorder.ApiRequests.Count);
    }

    [Fact]
    public async Task Closed_port_is_Unreachable_after_the_configured_attempts()
    {
        var port = PolarGrid.Testing.FreePort.Next();
        var logs = new LogCollector();
        var client = Server.CreateClient(settings: new Dictionary<string, string?>
        {
            ["HuggingFace:Endpoint"] = $"http://127.0.0.1:{port}",
            ["HuggingFace:MaxAttempts"] = "2",
        }, logs: logs);

        var error = await Assert.ThrowsAsync<HubException>(() => client.ResolveAsync("test/repo", "main", CancellationToken.None));

        Assert.Equal(HubErrorKind.Unreachable, error.Kind);
        Assert.Contains("after 2 attempt(s)", error.Message);
        Assert.Single(logs.Entries, e => e.Message.Contains("Attempt 1 of 2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("test/../etc", "main")]
    [InlineData("a/b/c", "main")]
    [InlineData("test/repo?x=1", "main")]
    [InlineData("test/re--po", "main")]
    [InlineData("-test/repo", "main")]
    [InlineData("test/repo", "../main")]
    [InlineData("test/repo", "")]
    [InlineData("test/repo", "main branch")]
    [InlineData("test/repo", "a#b")]
    public async Task Malformed_ids_and_revisions_are_refused_before_any_request(string repoId, string revision)
    {
        Server.Recorder.Clear();
        var client = Server.CreateClient();

        await Assert.ThrowsAsync<ArgumentException>(() => client.ResolveAsync(repoId, revision, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => client.ListFilesAsync(repoId, revision, null, CancellationToken.None));

        Assert.Empty(Server.Recorder.Requests);
    }
}
